package hwsim

import (
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
)

// recorder is a goroutine-safe out for the medium: retries come from
// timers.
type recorder struct {
	mu   sync.Mutex
	sent []sent
	got  chan struct{}
}

func (r *recorder) out(cmd uint8, a []byte) (uint32, error) {
	r.mu.Lock()
	r.sent = append(r.sent, sent{cmd, append([]byte(nil), a...)})
	n := len(r.sent)
	r.mu.Unlock()
	select {
	case r.got <- struct{}{}:
	default:
	}
	return uint32(n), nil
}

// wait waits until n commands were sent and returns the last one and its
// sequence number.
func (r *recorder) wait(t *testing.T, n int) (sent, uint32) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		if len(r.sent) >= n {
			s := r.sent[n-1]
			r.mu.Unlock()
			return s, uint32(n)
		}
		r.mu.Unlock()
		select {
		case <-r.got:
		case <-deadline:
			t.Fatalf("only %d commands sent, want %d", len(r.sent), n)
		}
	}
}

// The kernel refuses a TX status whose frame hwsim has not queued yet
// (mac80211_hwsim_tx_frame_nl sends before it queues): the medium sends
// the status again until the kernel takes it, and gives up after
// statusPatience, counting the status lost.
func TestMediumRetriesRefusedStatus(t *testing.T) {
	r := &recorder{got: make(chan struct{}, 1)}
	m := newMedium(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, r.out)
	st := &fakeStation{addr: net.HardwareAddr{2, 0x67, 0x6f, 0x70, 0x6b, 1}, freq: 2412}
	m.Join(st)

	m.handle(kmsg(radio0, st.addr, flagReqTxStatus, 7))
	s, _ := r.wait(t, 1)
	if _, c, _ := txInfoOf(t, s); c != 7 {
		t.Fatalf("cookie %d", c)
	}
	m.refused() // -EINVAL: cookie 7 not pending yet
	s, seq := r.wait(t, 2)
	flags, c, _ := txInfoOf(t, s)
	if c != 7 || flags != flagReqTxStatus|flagStatAck {
		t.Fatalf("retry: cookie %d flags %#x", c, flags)
	}
	m.acked(seq)
	if st := m.Stats(); st.StatusRetried != 1 || st.StatusLost != 0 || st.Refused != 0 || st.RepliesLost != 0 {
		t.Fatalf("stats %+v", st)
	}

	// Refused every time: sent again until statusPatience passed, then
	// lost. The test moves the first refusal into the past instead of
	// waiting.
	m.handle(kmsg(radio0, st.addr, flagReqTxStatus, 8))
	if s, _ = r.wait(t, 3); s.cmd != cmdTxInfoFrame {
		t.Fatalf("command %d, want TX_INFO_FRAME", s.cmd)
	}
	m.refused()
	s, _ = r.wait(t, 4)
	if _, c, _ := txInfoOf(t, s); c != 8 {
		t.Fatalf("cookie %d", c)
	}
	req, ok := m.rep.fail()
	if !ok || !req.status || req.tx.try != 2 || req.tx.refused.IsZero() {
		t.Fatalf("outstanding %+v %v", req, ok)
	}
	req.tx.refused = req.tx.refused.Add(-statusPatience)
	m.retryStatus(req.tx)
	if st := m.Stats(); st.StatusRetried != 2 || st.StatusLost != 1 {
		t.Fatalf("stats %+v", st)
	}
	time.Sleep(300 * time.Millisecond) // no timer left to fire
	r.mu.Lock()
	n := len(r.sent)
	r.mu.Unlock()
	if n != 4 {
		t.Fatalf("%d commands sent, want 4", n)
	}
}

// An error reply to an injected frame is a refusal (idle radio or another
// channel), not a retry; replies missing before a later success count as
// lost.
func TestMediumRefusedInjectAndLostReplies(t *testing.T) {
	r := &recorder{got: make(chan struct{}, 1)}
	m := newMedium(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, r.out)
	m.learn(radio0, 2412)
	st := &fakeStation{addr: net.HardwareAddr{2, 0x67, 0x6f, 0x70, 0x6b, 1}, freq: 2412}
	f := append([]byte{0x08, 0, 0, 0}, perm0...)
	f = append(f, st.addr...)
	f = append(f, perm0...)
	f = append(f, 0, 0)
	m.Transmit(st, f, air.TxInfo{Freq: 2412, Rate: 108})
	m.refused()
	if st := m.Stats(); st.Refused != 1 || st.StatusRetried != 0 {
		t.Fatalf("stats %+v", st)
	}
	for i := 0; i < 3; i++ {
		m.Transmit(st, f, air.TxInfo{Freq: 2412, Rate: 108})
	}
	_, seq := r.wait(t, 4)
	m.acked(seq) // the replies to sends 2 and 3 never came
	if st := m.Stats(); st.RepliesLost != 2 {
		t.Fatalf("stats %+v", st)
	}
	m.acked(seq) // a stray acknowledgement (registration): ignored
	if st := m.Stats(); st.RepliesLost != 2 {
		t.Fatalf("stats %+v", st)
	}
}
