package control

import "context"

// VerbPing sends ICMP echo requests from the daemon's stack (PingRequest →
// PingResult), as the ping tool does for the kernel's.
const VerbPing = "ping"

// PingRequest asks the daemon to ping Dst (an IPv4 or IPv6 literal) Count
// times (0: 3; at most 100), IntervalMS apart (0: 1000; at least 10), each
// waiting up to TimeoutMS for its reply (0: 2000), with Size data bytes
// (0: 56).
type PingRequest struct {
	Dst        string `json:"dst"`
	Count      int    `json:"count,omitempty"`
	IntervalMS int    `json:"interval_ms,omitempty"`
	TimeoutMS  int    `json:"timeout_ms,omitempty"`
	Size       int    `json:"size,omitempty"`
}

// PingResult is one reply or failure per echo request, in order.
type PingResult struct {
	Dst         string      `json:"dst"`
	Transmitted int         `json:"transmitted"`
	Received    int         `json:"received"`
	Replies     []PingReply `json:"replies"`
}

// PingReply is the fate of one echo request: a reply (From, TTL, RTTMS)
// or Error ("timeout", or the ICMP error that came back).
type PingReply struct {
	Seq   int     `json:"seq"`
	From  string  `json:"from,omitempty"`
	Bytes int     `json:"bytes,omitempty"` // ICMP message length, as ping prints it
	TTL   int     `json:"ttl,omitempty"`
	RTTMS float64 `json:"rtt_ms,omitempty"`
	Error string  `json:"error,omitempty"`
}

// Ping asks the daemon to ping; the call lasts about Count intervals.
func (c *Client) Ping(ctx context.Context, req PingRequest) (PingResult, error) {
	var r PingResult
	return r, c.Do(ctx, VerbPing, req, &r)
}
