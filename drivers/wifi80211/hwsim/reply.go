package hwsim

import (
	"sync"
	"time"
)

// Replies to what the medium sends.
//
// Every command the medium sends (HWSIM_CMD_FRAME to inject a frame,
// HWSIM_CMD_TX_INFO_FRAME to report a kernel frame's TX status) asks for an
// acknowledgement (NLM_F_ACK). The kernel handles a netlink request inside
// the sender's sendmsg, so the replies reach our socket in the order of the
// sends; a success carries the request's sequence number, a failure reaches
// us as an error without it (the netlink library drops the header). The
// medium therefore keeps its outstanding requests in send order and matches
// each reply to the oldest one.
//
// Why it matters: mac80211_hwsim (Linux 6.1, mac80211_hwsim_tx_frame_nl)
// sends a frame to the medium *before* it queues the frame's skb on its
// pending list, and looks the skb up by cookie when the TX status comes
// back (hwsim_tx_info_frame_received_nl, -EINVAL when not found). A medium
// on another CPU can answer inside that window, most often when the guest's
// vCPU is descheduled on a loaded host; the kernel refuses the status and
// the skb then waits on the pending list until 200 more frames push it out.
// The skb's socket stays charged for it: iputils ping keeps a send buffer
// of a few frames, so a handful of such skbs block it for good (ENOBUFS on
// every send, counted in the AP's Ip OutDiscards, silent under ping -q).
// A refused TX status is therefore sent again after a short wait, with
// exponential backoff, until the kernel takes it or statusPatience passed.

// Retry timing: waits of 1, 2, 4, … ms, capped at statusMaxWait, for at most
// statusPatience from the first refusal before the status counts as lost.
// The window is a few instructions of the guest kernel, but a vCPU thread
// descheduled on a loaded host stretches it: on a host with a load average
// of 22 on 2 cores, statuses were still refused after 255 ms.
const (
	statusMaxWait  = 250 * time.Millisecond
	statusPatience = 10 * time.Second
)

// maxOutstanding bounds the requests awaiting a reply. A reply the kernel
// dropped (receive buffer overrun) leaves its request behind until a later
// success overtakes it; the bound only matters if replies stop entirely.
const maxOutstanding = 4096

// request is one command awaiting its reply.
type request struct {
	id     uint64 // the medium's own count of requests
	seq    uint32 // netlink sequence, 0 until the send returned
	status bool   // a TX_INFO_FRAME (else an injected frame)
	tx     txStatus
}

// txStatus is what a TX_INFO_FRAME carries, kept to send it again.
type txStatus struct {
	transmitter [6]byte
	flags       uint32
	cookie      uint64
	txInfo      [maxRates * 2]byte
	txFlags     [maxRates * 3]byte // HWSIM_ATTR_TX_INFO_FLAGS (struct hwsim_tx_rate_flag, packed), when the kernel sent it
	hasFlags    bool
	try         int       // sends so far
	refused     time.Time // first refusal
}

// replies is the queue of outstanding requests, oldest first. Sends are
// serialized (Medium.sendMu), so at most one request, the newest, is
// between push and sent; its reply may arrive before sent runs.
type replies struct {
	mu     sync.Mutex
	q      []request
	head   int
	nextID uint64
}

// push appends a request about to be sent and returns its id.
func (r *replies) push(req request) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.head > 0 && r.head >= len(r.q)/2 {
		r.q, r.head = r.q[:copy(r.q, r.q[r.head:])], 0
	}
	r.nextID++
	req.id = r.nextID
	r.q = append(r.q, req)
	return req.id
}

// sent records the sequence number the request id went out with; failed
// means the send itself failed, so no reply will come: the request goes.
func (r *replies) sent(id uint64, seq uint32, failed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.q) - 1; i >= r.head; i-- {
		if r.q[i].id == id {
			if failed {
				r.q = append(r.q[:i], r.q[i+1:]...)
			} else {
				r.q[i].seq = seq
			}
			return
		}
	}
	// Already answered: the reply came before the send returned.
}

// ack takes a success reply with sequence seq: the matching request is
// done; older ones got no reply (lost in an overrun) and are appended to
// lost so that statuses among them can be sent again. A request still
// without a sequence is the one being sent, so the reply is its.
func (r *replies) ack(seq uint32, lost []request) []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := r.head; i < len(r.q); i++ {
		if r.q[i].seq == seq || r.q[i].seq == 0 {
			lost = append(lost, r.q[r.head:i]...)
			r.head = i + 1
			return lost
		}
	}
	return lost // not ours (the registration's acknowledgement)
}

// fail takes an error reply: it belongs to the oldest outstanding request,
// which is returned (ok false if none is outstanding).
func (r *replies) fail() (request, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.head == len(r.q) {
		return request{}, false
	}
	req := r.q[r.head]
	r.head++
	return req, true
}

// trim drops the oldest requests beyond maxOutstanding and reports how
// many it dropped.
func (r *replies) trim() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.q) - r.head - maxOutstanding
	if n <= 0 {
		return 0
	}
	r.head += n
	return n
}

// retryStatus schedules a refused TX status to be sent again, or counts it
// lost when statusPatience has passed since its first refusal.
func (m *Medium) retryStatus(tx txStatus) {
	now := time.Now()
	if tx.refused.IsZero() {
		tx.refused = now
	}
	if now.Sub(tx.refused) >= statusPatience {
		m.st.statusLost.Add(1)
		m.log.Debug("hwsim: the kernel refused a TX status after every retry", "cookie", tx.cookie, "tries", tx.try)
		return
	}
	m.st.statusRetried.Add(1)
	wait := statusMaxWait
	if tx.try < 8 {
		wait = min(wait, time.Millisecond<<(tx.try-1))
	}
	time.AfterFunc(wait, func() {
		m.mu.Lock()
		closed := m.closed
		m.mu.Unlock()
		if !closed {
			m.sendStatus(tx)
		}
	})
}
