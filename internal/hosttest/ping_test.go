package hosttest

import "testing"

// TestAnswered: replies count by sequence number, once each, and only
// those to the first count requests.
func TestAnswered(t *testing.T) {
	const out = `PING 198.18.0.2 (198.18.0.2) 56(84) bytes of data.
64 bytes from 198.18.0.2: icmp_seq=1 ttl=64 time=0.512 ms
64 bytes from 198.18.0.2: icmp_seq=3 ttl=64 time=0.401 ms
64 bytes from 198.18.0.2: icmp_seq=3 ttl=64 time=0.402 ms (DUP!)
64 bytes from 198.18.0.2: icmp_seq=4 ttl=64 time=0.390 ms
8008 bytes from 2001:db8:b::2: icmp_seq=2 ttl=63 time=3.1 ms

--- 198.18.0.2 ping statistics ---
5 packets transmitted, 4 received, +1 duplicates, 20% packet loss, time 801ms
`
	for _, c := range []struct{ count, want int }{{3, 3}, {4, 4}, {5, 4}, {1, 1}} {
		if got := Answered(out, c.count); got != c.want {
			t.Errorf("Answered(out, %d) = %d, want %d", c.count, got, c.want)
		}
	}
	if got := Answered("From 198.18.1.2 icmp_seq=1 Time to live exceeded\n", 1); got != 0 {
		t.Errorf("an ICMP error counts as a reply: %d", got)
	}
}
