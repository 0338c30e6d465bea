package control

import "context"

// Verbs that load and unload transport protocols at run time (io-pkt's
// mount of a protocol module).
const (
	VerbProtocols = "protocols" // no args → []Protocol
	VerbLoad      = "load"      // LoadRequest → Protocol
	VerbUnload    = "unload"    // UnloadRequest → nothing
)

// Protocol is one row of the daemon's protocol registry.
type Protocol struct {
	Name     string   `json:"name"`
	Loaded   bool     `json:"loaded"`
	Runtime  bool     `json:"runtime"` // can be loaded and unloaded while the daemon runs
	Usage    string   `json:"usage"`
	Sockets  int      `json:"sockets,omitempty"`  // open sockets (loaded transports)
	Services []string `json:"services,omitempty"` // the daemon's own services on it (udp-echo 7, ...)
}

// LoadRequest loads a protocol: Proto is its name ("udp", "tcp"), Options
// its option string as after -p ("queue=128").
type LoadRequest struct {
	Proto   string `json:"proto"`
	Options string `json:"options,omitempty"`
}

// UnloadRequest unloads a protocol: its sockets are closed (blocked
// readers get an error) and datagrams for it are refused.
type UnloadRequest struct {
	Proto string `json:"proto"`
}

// Protocols lists the protocols the daemon knows and which are loaded.
func (c *Client) Protocols(ctx context.Context) ([]Protocol, error) {
	var r []Protocol
	return r, c.Do(ctx, VerbProtocols, nil, &r)
}

// Load loads a protocol into the running stack.
func (c *Client) Load(ctx context.Context, req LoadRequest) (Protocol, error) {
	var r Protocol
	return r, c.Do(ctx, VerbLoad, req, &r)
}

// Unload takes a protocol out of the running stack.
func (c *Client) Unload(ctx context.Context, proto string) error {
	return c.Do(ctx, VerbUnload, UnloadRequest{Proto: proto}, nil)
}
