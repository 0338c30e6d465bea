package hosttest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// pingDeadline bounds PingAll: far beyond any round trip in a namespace,
// even on a host whose two cores run several QEMU guests.
const pingDeadline = "60"

// PingAll runs Linux's ping inside the namespace for count echo requests
// (args: interval, size, -6, the destination, ...; not -c, -W or -w) and
// returns its output and an error unless each of the requests 1..count was
// answered.
//
// A count-only ping (-c N -W T) stops waiting two round-trip times after
// its last request once any reply has come (iputils; -W only bounds the
// wait for the first), so on a loaded host a reply that is late, not lost,
// is reported as loss. With a deadline (-w) ping waits until count replies
// came, but sends more requests meanwhile, which would hide a real loss
// from "N received": PingAll checks the sequence numbers instead, as the
// guest library's ping_all does.
func (n *Namespace) PingAll(count int, args ...string) (string, error) {
	a := append([]string{"-c", strconv.Itoa(count), "-w", pingDeadline}, args...)
	out, err := n.Output("ping", a...)
	if got := Answered(out, count); got != count {
		if err == nil {
			err = fmt.Errorf("exited 0")
		}
		return out, fmt.Errorf("ping %s in %s: %d of echo requests 1..%d answered (%v)", strings.Join(args, " "), n.Name, got, count, err)
	}
	return out, nil
}

var replyRE = regexp.MustCompile(`(?m)^\d+ bytes from .* icmp_seq=(\d+) `)

// Answered counts the distinct echo requests among 1..count that ping's
// output shows a reply to.
func Answered(out string, count int) int {
	seen := map[int]bool{}
	for _, m := range replyRE.FindAllStringSubmatch(out, -1) {
		if s, err := strconv.Atoi(m[1]); err == nil && s >= 1 && s <= count {
			seen[s] = true
		}
	}
	return len(seen)
}
