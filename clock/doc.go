// Package clock is gopkt's one source of time for code that must be
// testable without sleeping: a Clock reads the time and makes one-shot
// timers. Packages take one as an option (dhcp4.Config.Clock,
// net80211.ComConfig.Clock, e1000.Config.Clock, ipv4.Options.Clock); nil
// there means System, the wall clock. Tests pass clocktest.Clock and move time by hand, so
// lease timers, retransmissions, scans and hang detection run at once.
//
// It imports nothing of gopkt, so every layer (hw, drivers, stack) may
// use it. It does not replace time.Time arithmetic, nor the monotonic
// nanosecond counters of data paths (tcp's connection clock), which read
// no wall clock per packet.
package clock
