package dhcp4_test

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/dhcp4"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

func opts(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Offsets in a reply frame: Ethernet 14, IPv4 20, UDP 8, then the message.
const (
	offIP  = 14
	offUDP = offIP + 20
	offMsg = offUDP + 8
)

// refix recomputes the IPv4 and UDP lengths and checksums of a frame after
// a test edited it.
func refix(f []byte) []byte {
	ip := wire.IPv4(f[offIP:])
	ip.SetTotalLen(uint16(len(f) - offIP))
	ip.UpdateChecksum()
	u := wire.UDP(f[offUDP:])
	u.SetLength(uint16(len(f) - offUDP))
	u.UpdateChecksum(ip.Src(), ip.Dst())
	return f
}

// TestMalformedReplies injects broken and foreign replies before a good
// OFFER: each is counted (malformed or ignored) and dropped, and the client
// still takes the server's real one afterwards.
func TestMalformedReplies(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.ignore(dhcp4.Discover)
	e.start(t)
	d := e.req(t, dhcp4.Discover)
	m, err := dhcp4.NewMessage(d.Raw)
	if err != nil {
		t.Fatal(err)
	}
	y := firstAddr.As4()
	good := "350102 3604c6120001 330400000014 ff"
	offer := func() []byte { return e.srv.Reply(m, y, opts(t, good), false) }
	malformed := map[string][]byte{
		"bad udp checksum": func() []byte { f := offer(); f[len(f)-1] ^= 0xff; return f }(),
		"source port 66": func() []byte {
			f := offer()
			binary.BigEndian.PutUint16(f[offUDP:], 66)
			return refix(f)
		}(),
		"truncated message":       refix(offer()[:offMsg+200]),
		"bootp cookie":            func() []byte { f := offer(); f[offMsg+236] = 0; return refix(f) }(),
		"3-byte lease time":       e.srv.Reply(m, y, opts(t, "350102 3604c6120001 3303000014 ff"), false),
		"offer without server id": e.srv.Reply(m, y, opts(t, "350102 330400000014 ff"), false),
		"offer of 0.0.0.0":        e.srv.Reply(m, wire.Addr4{}, opts(t, good), false),
	}
	ignored := map[string][]byte{
		"other xid":        func() []byte { f := offer(); f[offMsg+7]++; return refix(f) }(),
		"other chaddr":     func() []byte { f := offer(); f[offMsg+28+5]++; return refix(f) }(),
		"a BOOTREQUEST":    func() []byte { f := offer(); f[offMsg] = 1; return refix(f) }(),
		"ACK in SELECTING": e.srv.Reply(m, y, opts(t, "350105 3604c6120001 330400000014 ff"), false),
		"NAK in SELECTING": e.srv.Reply(m, y, opts(t, "350106 3604c6120001 ff"), true),
	}
	for _, f := range malformed {
		e.srv.Send(f)
	}
	for _, f := range ignored {
		e.srv.Send(f)
	}
	// Every injected frame is handled (in SELECTING) before time moves.
	if !stacktest.Eventually(5*time.Second, func() bool {
		st := e.c.Stats()
		return st.Malformed+st.Ignored == uint64(len(malformed)+len(ignored))
	}) {
		t.Fatalf("injected frames not all counted: %+v", e.c.Stats())
	}
	// Now let the server answer the retransmitted DISCOVER itself.
	e.setPolicy(nil)
	e.advanceTo(e.next(t))
	e.req(t, dhcp4.Discover)
	r := e.req(t, dhcp4.Request)
	if r.XID != d.XID || r.Params.RequestedIP != y {
		t.Fatalf("REQUEST after the good offer: %+v", r)
	}
	st := e.c.Stats()
	if st.Malformed != uint64(len(malformed)) || st.Ignored != uint64(len(ignored)) || st.Received[dhcp4.Offer] != 1 {
		t.Fatalf("malformed %d (want %d), ignored %d (want %d), offers %d", st.Malformed, len(malformed), st.Ignored, len(ignored), st.Received[dhcp4.Offer])
	}
	e.event(t, dhcp4.EventBound)
}
