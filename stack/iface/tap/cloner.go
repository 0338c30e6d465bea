package tap

import (
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/internal/tundev"
)

// Cloner creates tapN interfaces (stack.Cloner): pass it in
// stack.Options.Cloners, then stack.Create("tap0"). The Linux device gets
// LinuxPrefix+N as its name ("tap" when empty), so tests can pick names that
// do not clash with the host's.
type Cloner struct {
	Pool        *mbuf.Pool
	Options     Options
	LinuxPrefix string
}

// Prefix implements stack.Cloner.
func (c *Cloner) Prefix() string { return "tap" }

// Create implements stack.Cloner.
func (c *Cloner) Create(name string) (port.Port, stack.IfOptions, error) {
	return tundev.Cloned(Open(tundev.LinuxName(name, "tap", c.LinuxPrefix), c.Pool, c.Options))
}

var _ stack.Cloner = (*Cloner)(nil)
