package vmtest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Monitor is a client of QEMU's machine protocol (QMP, docs/interop/qmp-spec):
// the server greets, the client sends qmp_capabilities, then every command
// gets one reply ("return" or "error") while asynchronous "event" messages may
// arrive in between.
type Monitor struct {
	mu     sync.Mutex
	conn   net.Conn
	rd     *bufio.Reader
	events []QMPEvent
}

// QMPEvent is an asynchronous QMP message such as NIC_RX_FILTER_CHANGED.
type QMPEvent struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// QMPError is an error reply.
type QMPError struct {
	Class string `json:"class"`
	Desc  string `json:"desc"`
}

func (e *QMPError) Error() string { return "qmp: " + e.Class + ": " + e.Desc }

// dialMonitor connects to the QMP socket, retrying until QEMU has created it
// or the deadline passes, and completes capability negotiation.
func dialMonitor(sock string, deadline time.Time) (*Monitor, error) {
	var conn net.Conn
	var err error
	for {
		conn, err = net.Dial("unix", sock)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("vmtest: QMP socket %s: %w", sock, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	m := &Monitor{conn: conn, rd: bufio.NewReader(conn)}
	conn.SetDeadline(deadline)
	var greeting struct {
		QMP json.RawMessage `json:"QMP"`
	}
	line, err := m.rd.ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &greeting)
	}
	if err == nil && greeting.QMP == nil {
		err = fmt.Errorf("not a QMP greeting: %q", line)
	}
	if err == nil {
		_, err = m.execute("qmp_capabilities", nil)
	}
	conn.SetDeadline(time.Time{})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("vmtest: QMP handshake on %s: %w", sock, err)
	}
	return m, nil
}

// Execute runs one QMP command with arguments (nil for none) and returns the
// "return" value.
func (m *Monitor) Execute(cmd string, args any) (json.RawMessage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.conn.SetDeadline(time.Now().Add(30 * time.Second))
	defer m.conn.SetDeadline(time.Time{})
	return m.execute(cmd, args)
}

func (m *Monitor) execute(cmd string, args any) (json.RawMessage, error) {
	req := map[string]any{"execute": cmd}
	if args != nil {
		req["arguments"] = args
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	if _, err := m.conn.Write(append(b, '\n')); err != nil {
		return nil, err
	}
	for {
		line, err := m.rd.ReadBytes('\n')
		if err != nil {
			return nil, fmt.Errorf("qmp %s: %w", cmd, err)
		}
		var reply struct {
			Return json.RawMessage `json:"return"`
			Error  *QMPError       `json:"error"`
			Event  string          `json:"event"`
			Data   json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(line, &reply); err != nil {
			return nil, fmt.Errorf("qmp %s: malformed reply %q: %w", cmd, line, err)
		}
		switch {
		case reply.Event != "":
			m.events = append(m.events, QMPEvent{Event: reply.Event, Data: reply.Data})
		case reply.Error != nil:
			return nil, fmt.Errorf("qmp %s: %w", cmd, reply.Error)
		case reply.Return != nil:
			return reply.Return, nil
		default:
			return nil, fmt.Errorf("qmp %s: reply has neither return nor error: %q", cmd, line)
		}
	}
}

// SetLink sets the link of a NIC ("nic0", see Host.NIC) or netdev up or
// down, as the guest sees it in the NIC's status register.
func (m *Monitor) SetLink(name string, up bool) error {
	_, err := m.Execute("set_link", map[string]any{"name": name, "up": up})
	return err
}

// HMP runs a human monitor command ("info network") and returns its text.
func (m *Monitor) HMP(cmd string) (string, error) {
	r, err := m.Execute("human-monitor-command", map[string]any{"command-line": cmd})
	if err != nil {
		return "", err
	}
	var s string
	if err := json.Unmarshal(r, &s); err != nil {
		return "", fmt.Errorf("qmp human-monitor-command: %w", err)
	}
	return s, nil
}

// Events returns and clears the asynchronous events seen so far.
func (m *Monitor) Events() []QMPEvent {
	m.mu.Lock()
	defer m.mu.Unlock()
	ev := m.events
	m.events = nil
	return ev
}

// Close closes the connection.
func (m *Monitor) Close() error {
	if m == nil {
		return errors.New("vmtest: no monitor")
	}
	return m.conn.Close()
}
