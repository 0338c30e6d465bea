package vmtest

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// console collects the guest's serial output line by line and lets waiters
// block until a matching line arrives.
type console struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{} // closed (and replaced) whenever a line is added or the console closes
	closed  bool
}

func newConsole() *console { return &console{changed: make(chan struct{})} }

func (c *console) add(line string) {
	c.mu.Lock()
	c.lines = append(c.lines, line)
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

func (c *console) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.changed)
	}
	c.mu.Unlock()
}

func (c *console) snapshot() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

// errConsoleClosed reports that the guest stopped before a line appeared.
var errConsoleClosed = errors.New("vmtest: the guest stopped before the line appeared")

// wait returns the index and text of the first line at or after from that
// contains substr.
func (c *console) wait(from int, substr string, timeout time.Duration) (int, string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for i := from; i < len(c.lines); i++ {
			if strings.Contains(c.lines[i], substr) {
				l := c.lines[i]
				c.mu.Unlock()
				return i, l, nil
			}
		}
		from = len(c.lines)
		ch, closed := c.changed, c.closed
		c.mu.Unlock()
		if closed {
			return 0, "", fmt.Errorf("%w: %q", errConsoleClosed, substr)
		}
		select {
		case <-ch:
		case <-deadline.C:
			return 0, "", fmt.Errorf("vmtest: no console line with %q within %v", substr, timeout)
		}
	}
}

// Host is what Config.Host gets while the guest runs: the QMP monitor, the
// console, and a way to type into it.
type Host struct {
	// Monitor drives QEMU (SetLink, HMP, Execute).
	Monitor *Monitor
	con     *console
	stdin   io.Writer
	cursor  int
}

// NIC is the QEMU device id of NIC i, the name SetLink takes.
func (h *Host) NIC(i int) string { return nicID(i) }

func nicID(i int) string { return fmt.Sprintf("nic%d", i) }

// WaitConsole waits for a console line containing substr that appeared after
// the line matched by the previous wait, and returns it.
func (h *Host) WaitConsole(substr string, timeout time.Duration) (string, error) {
	i, l, err := h.con.wait(h.cursor, substr, timeout)
	if err != nil {
		return "", err
	}
	h.cursor = i + 1
	return l, nil
}

// WaitReady waits for the scenario's "ready NAME".
func (h *Host) WaitReady(name string, timeout time.Duration) error {
	_, err := h.WaitConsole(markReady+name, timeout)
	return err
}

// Send types line (and a newline) on the guest console; the scenario reads
// it with "wait_host LINE".
func (h *Host) Send(line string) error {
	_, err := io.WriteString(h.stdin, line+"\n")
	return err
}
