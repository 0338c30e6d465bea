package gif_test

import (
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/stack/iface/gif"
	"github.com/gopkt/gopkt/stack/iface/internal/tunnel/tunneltest"
)

// FuzzGIFInput hands arbitrary protocol-4 payloads from the tunnels'
// remote to the module, with a tunnel whose interface is down, so every inner packet is freed on delivery: the
// pool is full after each input and nothing panics.
func FuzzGIFInput(f *testing.F) {
	f.Add([]byte{0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 198, 18, 74, 2, 198, 18, 74, 1})
	f.Add([]byte{0x46, 0, 0, 20})
	f.Add([]byte{0x60, 0, 0, 0})
	f.Add([]byte{})
	tunneltest.FuzzInput(f, gif.New(), func(l, r netip.Addr) []gif.Config {
		return []gif.Config{{Local: l, Remote: r}}
	})
}
