// Package clock is gopkt's one source of time for code that must be
// testable without sleeping: a Clock reads the time and makes one-shot
// timers (a channel timer, or AfterFunc's callback timer). Packages take
// one as an option (dhcp4.Config.Clock, net80211.ComConfig.Clock,
// e1000.Config.Clock, ipv4.Options.Clock, ipv6.Options.Clock,
// tcp.Options.Clock, capture.Options.Clock); nil there means System, the
// wall clock. Tests pass clocktest.Clock and move time by hand, so lease
// timers, retransmissions, TIME-WAIT, path MTU and redirect expiry, scans
// and hang detection run at once.
//
// It imports nothing of gopkt, so every layer (hw, drivers, stack) may
// use it. It does not replace time.Time arithmetic. What stays on the
// wall clock: socket deadlines (net.Conn's contract makes them instants
// the caller computes from time.Now), the bounded register polls of
// drivers (a device answers in real time; a clock that does not move
// would turn each bound into an endless spin), and kernel timestamps of
// captured frames. With the system clock, tcp's per-segment connection
// clock reads the monotonic clock directly (time.Since), no interface
// call and no wall-clock read per packet.
package clock
