package wlantest

import (
	"net"
	"sync"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
)

// Medium is an in-process wireless medium. Radios on the same frequency
// hear each other; a unicast frame is acknowledged when a radio with its
// receiver address is on the channel and the Filter let it through.
type Medium struct {
	mu     sync.Mutex
	radios []*Radio
	queue  []event
	// Filter, if set, sees every frame in flight and returns the frame to
	// deliver (possibly modified) or nil to drop it.
	Filter func(from *Radio, frame []byte) []byte
	// Trace, if set, is called with every frame delivered.
	Trace func(from *Radio, frame []byte)
	// Lose, if set, sees the rate of every transmission; true loses it
	// (neither delivered nor acknowledged), a channel where some rates
	// do not get through (rate control tests).
	Lose func(from *Radio, rate net80211.Rate) bool
}

type event struct {
	to     *Radio
	frame  []byte
	rx     net80211.RxInfo
	status *net80211.TxStatus
}

// NewRadio attaches a radio with the given address, tuned to freq.
func (m *Medium) NewRadio(mac net.HardwareAddr, freq int, channels []int) *Radio {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := &Radio{m: m, mac: append(net.HardwareAddr(nil), mac...), freq: freq, channels: channels, SignalDBm: -40, Rate: 108}
	m.radios = append(m.radios, r)
	return r
}

// send queues delivery of b from r to every other radio on its channel.
func (m *Medium) send(r *Radio, b []byte, info *net80211.TxInfo) {
	m.mu.Lock()
	b = append([]byte(nil), b...)
	filter, trace, lose := m.Filter, m.Trace, m.Lose
	m.mu.Unlock()
	if lose != nil && lose(r, info.Rate) {
		m.enqueueStatus(r, info, false)
		return
	}
	if filter != nil {
		if b = filter(r, b); b == nil {
			m.enqueueStatus(r, info, false)
			return
		}
	}
	if trace != nil {
		trace(r, b)
	}
	acked := false
	m.mu.Lock()
	f, err := frame.Parse(b)
	for _, o := range m.radios {
		if o == r || o.freq != r.freq || o.Detached {
			continue
		}
		if err == nil && len(f.Addr1()) == 6 && [6]byte(f.Addr1()) == [6]byte(o.mac) {
			acked = true
		}
		m.queue = append(m.queue, event{to: o, frame: append([]byte(nil), b...),
			rx: net80211.RxInfo{Rate: info.Rate, SignalDBm: r.SignalDBm, FreqMHz: uint16(r.freq)}})
	}
	m.mu.Unlock()
	m.enqueueStatus(r, info, acked)
}

func (m *Medium) enqueueStatus(r *Radio, info *net80211.TxInfo, acked bool) {
	if info.NoAck {
		return
	}
	m.mu.Lock()
	retries := uint8(0)
	if !acked {
		retries = info.Retries
	}
	m.queue = append(m.queue, event{to: r, status: &net80211.TxStatus{Cookie: info.Cookie, Acked: acked, Retries: retries}})
	m.mu.Unlock()
}

// Run delivers queued frames and TX statuses until the medium is quiet or
// limit events ran; it returns how many ran.
func (m *Medium) Run(limit int) int {
	n := 0
	for n < limit {
		m.mu.Lock()
		if len(m.queue) == 0 {
			m.mu.Unlock()
			return n
		}
		ev := m.queue[0]
		m.queue = m.queue[1:]
		m.mu.Unlock()
		n++
		if ev.status != nil {
			if ev.to.Status != nil {
				ev.to.Status(ev.status)
			}
			continue
		}
		if ev.to.Handler != nil && !ev.to.Detached {
			b := ev.frame
			if ev.to.cache != nil {
				b = ev.to.cache.decrypt(b, &ev.rx)
			}
			ev.to.Handler(b, &ev.rx)
		}
	}
	return n
}

// Pending returns the number of queued events.
func (m *Medium) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.queue)
}

// Radio is a test radio on a Medium; it implements net80211.Radio.
type Radio struct {
	m        *Medium
	mac      net.HardwareAddr
	freq     int
	channels []int
	// SignalDBm is what receivers see for this radio's frames.
	SignalDBm int8
	// Rate is informational.
	Rate net80211.Rate
	// Handler receives frames (Com.Input for a STA).
	Handler func(b []byte, rx *net80211.RxInfo)
	// Status receives TX statuses (Com.TxDone for a STA).
	Status func(*net80211.TxStatus)
	// Detached radios neither send nor receive (an AP switched off).
	Detached bool
	// Tunes counts SetChannel calls that changed the channel.
	Tunes int
	// Discard drops transmitted frames without copying (benchmarks).
	Discard bool
	cache   *KeyCache
}

// MAC returns the radio address.
func (r *Radio) MAC() net.HardwareAddr { return r.mac }

// Transmit queues the frame on the medium.
func (r *Radio) Transmit(b []byte, info *net80211.TxInfo) error {
	if r.Detached {
		return net80211.ErrState
	}
	if r.Discard {
		return nil
	}
	r.m.send(r, b, info)
	return nil
}

// SetChannel tunes the radio.
func (r *Radio) SetChannel(freq int) error {
	r.m.mu.Lock()
	defer r.m.mu.Unlock()
	if r.freq != freq {
		r.Tunes++
	}
	r.freq = freq
	return nil
}

// Freq returns the current frequency.
func (r *Radio) Freq() int {
	r.m.mu.Lock()
	defer r.m.mu.Unlock()
	return r.freq
}

// Channels returns the scan list.
func (r *Radio) Channels() []int { return r.channels }
