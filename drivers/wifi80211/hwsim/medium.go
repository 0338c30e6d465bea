package hwsim

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// readBuffer is the receive buffer the medium asks for. Every frame a kernel
// radio sends reaches us as one netlink message of about one page of
// socket memory (hwsim allocates GENLMSG_DEFAULT_SIZE), so Linux's default
// rmem_max (208 KiB, doubled) holds only about a hundred frames: a process
// descheduled for a few hundred milliseconds under load would lose frames.
const readBuffer = 16 << 20

// setReadBuffer sets the socket's receive buffer to want bytes, beyond
// net.core.rmem_max when allowed (SO_RCVBUFFORCE needs CAP_NET_ADMIN), and
// returns the size the kernel reports (which counts its own overhead).
func setReadBuffer(c *genetlink.Conn, want int) int {
	rc, err := c.SyscallConn()
	if err != nil {
		_ = c.SetReadBuffer(want)
		return 0
	}
	got := 0
	_ = rc.Control(func(fd uintptr) {
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, want) != nil {
			_ = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, want)
		}
		got, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
	})
	return got
}

// Config configures the medium.
type Config struct {
	// Signal is the signal strength every receiver reports, in dBm
	// (default -50).
	Signal int8
	// Links set the signal of particular links (a stronger and a weaker
	// access point, say); a link no entry matches is heard at Signal. The
	// first entry that matches wins.
	Links []Link
	// Radios are kernel radio hwsim addresses known in advance (normally
	// learned from the frames they send).
	Radios []net.HardwareAddr
	// Logger receives registration and error events; nil means slog.Default.
	Logger *slog.Logger
	// Lose, if set, sees every frame a kernel radio transmits before the
	// medium carries it; when it returns true the frame is lost on the
	// air: no station or other radio receives it, and the transmitter
	// learns it was not acknowledged (Stats.Lost). For tests that need a
	// particular frame lost (tools/wlan connect --drop-sae-confirms). It
	// runs on Serve's goroutine and must not keep the frame.
	Lose func(frame []byte) bool
	// Hold, if set, sees every frame a kernel radio transmits that Lose
	// left alone; when it returns true the medium keeps a copy and gives
	// it to our stations right after the next kernel frame it carries to
	// them, so the two arrive swapped (Stats.Held). The transmitter learns
	// at once that it was acknowledged. One frame is held at a time. For
	// tests of receive reordering (tools/wlan connect --reorder-data).
	Hold func(frame []byte) bool
	// Forge, if set, sees every frame a kernel radio transmits that Lose
	// and Hold left alone; a frame it returns (a new slice) is given to
	// our stations just before that one, as an attacker in range would
	// send a forged copy (Stats.Forged). For tests of frame verification
	// (tools/wlan connect --forge-bip).
	Forge func(frame []byte) []byte
}

// Link is the signal level of one radio's frames as heard by another.
// A radio is named by its address: a kernel radio by its hwsim address or
// its permanent address (they differ only in bit 0x40 of the first octet:
// 42:00:00:00:01:00 and 02:00:00:00:01:00, which is also the BSSID of an
// AP on it), one of our stations by its station address.
type Link struct {
	From net.HardwareAddr // transmitter
	To   net.HardwareAddr // receiver; nil: every receiver
	// Signal in dBm, as the receiver reports it (RX info and radiotap).
	Signal int8
}

// sameRadio reports whether a names the radio with address r (either of
// a kernel radio's two addresses).
func sameRadio(a net.HardwareAddr, r [6]byte) bool {
	return len(a) == 6 && a[0]&^0x40 == r[0]&^0x40 && [5]byte(a[1:]) == [5]byte(r[1:])
}

// signal is the signal of frames from radio from as heard by radio to.
func (m *Medium) signal(from, to [6]byte) int8 {
	for _, l := range m.cfg.Links {
		if sameRadio(l.From, from) && (l.To == nil || sameRadio(l.To, to)) {
			return l.Signal
		}
	}
	return m.cfg.Signal
}

// OpError is the error at the package's API edges.
type OpError struct {
	Op  string
	Err error
	Fix string
}

// Error reads "hwsim: Op: Err; Fix", leaving out the empty parts and the
// "hwsim: " that Err's text may start with: the one OpError format of every
// gopkt package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "hwsim: " + e.Op
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "hwsim: ")
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

func (e *OpError) Unwrap() error { return e.Err }

// ErrClosed is returned by Serve after Close.
var ErrClosed = errors.New("hwsim: medium closed")

// Medium is mac80211_hwsim's wireless medium, served by this process.
type Medium struct {
	c      *genetlink.Conn
	fam    genetlink.Family
	rcvbuf int // receive buffer the kernel granted (bytes)
	cfg    Config
	log    *slog.Logger

	mu     sync.Mutex
	radios map[[6]byte]*radio  // by hwsim address
	addrs  map[[6]byte][6]byte // interface address -> the kernel radio answering to it
	// refs counts, per interface address, the ADD_MAC_ADDR not yet
	// undone by a DEL_MAC_ADDR (a radio's permanent address starts at 1
	// when the medium first hears of the radio: learn); at 0 the address
	// is gone (addrs).
	refs   map[[6]byte]int
	sts    []air.Station
	closed bool

	sendMu sync.Mutex // the attribute buffer of send, and the order of sends
	ab     attrs
	// out sends one generic netlink command to the kernel asking for an
	// acknowledgement, and returns its netlink sequence number (the socket
	// in Open; a recorder in tests).
	out  func(cmd uint8, attrs []byte) (seq uint32, err error)
	rep  replies // requests awaiting their reply (reply.go)
	lost []request

	// held is the frame Config.Hold kept back, with its transmitter and
	// frequency (only Serve's goroutine touches it).
	held struct {
		frame       []byte
		transmitter [6]byte
		freq        int
		rx          air.RxInfo
	}

	st stats
}

// radio is a kernel radio.
type radio struct {
	addr [6]byte
	freq int // last frequency it transmitted on (0: unknown)
}

type stats struct {
	kernelFrames, toStations, relayed, injected, acked, txInfo, bad, sendErr, refused, unacked, overruns, lost, held, forged atomic.Uint64
	statusRetried, statusLost, repliesLost                                                                                   atomic.Uint64
}

// Stats counts the medium's work.
type Stats struct {
	// KernelFrames: HWSIM_CMD_FRAME received from kernel radios.
	KernelFrames uint64
	// ToStations: deliveries of kernel frames to our stations.
	ToStations uint64
	// Relayed: kernel frames relayed to other kernel radios.
	Relayed uint64
	// Injected: our stations' frames delivered to kernel radios.
	Injected uint64
	// Acked: TX_INFO_FRAME answers carrying STAT_ACK; TxInfo: all answers;
	// Unacked: unicast kernel frames nobody acknowledged.
	Acked, TxInfo, Unacked uint64
	// Bad: malformed messages dropped; SendErr: failed sends; Refused:
	// injected frames a kernel radio refused (idle, or off channel).
	Bad, SendErr, Refused uint64
	// StatusRetried: TX statuses the kernel refused and we sent again
	// (it can get a status before it queued the frame: reply.go);
	// StatusLost: statuses still refused after every retry (the frame's
	// skb stays on hwsim's pending list until 200 newer frames push it
	// out); RepliesLost: replies the kernel dropped in an overrun.
	StatusRetried, StatusLost, RepliesLost uint64
	// Overruns: times the socket's receive buffer overflowed (ENOBUFS):
	// the kernel dropped frames for us, each one lost on the air.
	Overruns uint64
	// Lost: kernel frames Config.Lose lost on purpose; Held: kernel
	// frames Config.Hold delivered after the next one; Forged: frames
	// Config.Forge made.
	Lost, Held, Forged uint64
	// ReadBuffer is the socket's receive buffer in bytes.
	ReadBuffer int
}

// Stats returns the counters.
func (m *Medium) Stats() Stats {
	s := &m.st
	return Stats{KernelFrames: s.kernelFrames.Load(), ToStations: s.toStations.Load(), Relayed: s.relayed.Load(),
		Injected: s.injected.Load(), Acked: s.acked.Load(), TxInfo: s.txInfo.Load(), Unacked: s.unacked.Load(), Bad: s.bad.Load(), SendErr: s.sendErr.Load(), Refused: s.refused.Load(),
		StatusRetried: s.statusRetried.Load(), StatusLost: s.statusLost.Load(), RepliesLost: s.repliesLost.Load(),
		Overruns: s.overruns.Load(), Lost: s.lost.Load(), Held: s.held.Load(), Forged: s.forged.Load(), ReadBuffer: m.rcvbuf}
}

// Open connects to the kernel and registers this process as the medium
// (HWSIM_CMD_REGISTER). Only one medium may be registered at a time.
func Open(cfg Config) (*Medium, error) {
	c, err := genetlink.Dial(nil)
	if err != nil {
		return nil, &OpError{Op: "open", Err: err, Fix: "generic netlink sockets need Linux"}
	}
	fam, err := c.GetFamily(Family)
	if err != nil {
		c.Close()
		return nil, &OpError{Op: "open", Err: err, Fix: "load the module: modprobe mac80211_hwsim radios=1"}
	}
	rcvbuf := setReadBuffer(c, readBuffer)
	// Acknowledgements carry only the request's header, not a copy of
	// every injected frame (NETLINK_CAP_ACK, Linux 4.3).
	_ = c.SetOption(netlink.CapAcknowledge, true)
	m := newMedium(cfg, func(cmd uint8, attrs []byte) (uint32, error) {
		req, err := c.Send(genetlink.Message{Header: genetlink.Header{Command: cmd, Version: fam.Version}, Data: attrs},
			fam.ID, netlink.Request|netlink.Acknowledge)
		return req.Header.Sequence, err
	})
	m.c, m.fam, m.rcvbuf = c, fam, rcvbuf
	if rcvbuf < readBuffer {
		m.log.Warn("hwsim: small netlink receive buffer: kernel frames may be lost under load (run as root, or raise net.core.rmem_max)", "bytes", rcvbuf, "want", readBuffer)
	}
	// Register without waiting on Execute: the kernel may queue a frame
	// before the acknowledgement, which Execute would reject. register
	// reads until the ack, handling any frame that comes first.
	if err := m.register(); err != nil {
		c.Close()
		return nil, err
	}
	return m, nil
}

// newMedium builds the medium's state around a sender.
func newMedium(cfg Config, out func(cmd uint8, attrs []byte) (uint32, error)) *Medium {
	if cfg.Signal == 0 {
		cfg.Signal = -50
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	m := &Medium{cfg: cfg, log: cfg.Logger, out: out,
		radios: map[[6]byte]*radio{}, addrs: map[[6]byte][6]byte{}, refs: map[[6]byte]int{}}
	for _, a := range cfg.Radios {
		if len(a) == 6 {
			m.learn([6]byte(a), 0)
		}
	}
	return m
}

func (m *Medium) register() error {
	req, err := m.c.Send(genetlink.Message{Header: genetlink.Header{Command: cmdRegister, Version: m.fam.Version}},
		m.fam.ID, netlink.Request|netlink.Acknowledge)
	if err != nil {
		return &OpError{Op: "register", Err: err, Fix: "run as root (CAP_NET_ADMIN)"}
	}
	_ = m.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	defer m.c.SetReadDeadline(time.Time{})
	for {
		gm, nm, err := m.c.Receive()
		if err != nil {
			return &OpError{Op: "register", Err: err, Fix: "another medium (wmediumd?) may be registered already; stop it"}
		}
		acked := false
		for i := range nm {
			if nm[i].Header.Type == netlink.Error {
				if nm[i].Header.Sequence == req.Header.Sequence {
					acked = true
				}
				continue
			}
			m.handle(&gm[i])
		}
		if acked {
			m.log.Info("hwsim: registered as the wireless medium", "family", m.fam.ID, "version", m.fam.Version)
			return nil
		}
	}
}

// Join adds one of our stations (a card model).
func (m *Medium) Join(s air.Station) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sts = append(m.sts, s)
}

// Radio is a kernel radio as the medium knows it.
type Radio struct {
	Addr net.HardwareAddr // hwsim address (HWSIM_ATTR_ADDR_TRANSMITTER)
	Freq int              // frequency of its last transmission, MHz
}

// Radios returns the kernel radios learned so far.
func (m *Medium) Radios() []Radio {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Radio
	for a, r := range m.radios {
		out = append(out, Radio{Addr: net.HardwareAddr(append([]byte(nil), a[:]...)), Freq: r.freq})
	}
	return out
}

// learn records a kernel radio and the interface address it answers to by
// default (the hwsim address with 0x40 cleared: its permanent address),
// counted once: when the medium first hears of a radio, its interface is
// taken to be up (it transmits, or a scan of it started), and a DEL_MAC_ADDR
// undoes that as it undoes an ADD_MAC_ADDR.
func (m *Medium) learn(addr [6]byte, freq int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.radios[addr]
	if r == nil {
		r = &radio{addr: addr}
		m.radios[addr] = r
		perm := addr
		perm[0] &^= 0x40
		if _, ok := m.addrs[perm]; !ok {
			m.addrs[perm] = addr
			m.refs[perm] = 1
		}
		m.log.Info("hwsim: kernel radio", "addr", net.HardwareAddr(addr[:]).String(), "perm", net.HardwareAddr(perm[:]).String())
	}
	if freq != 0 {
		r.freq = freq
	}
}

// answers reports whether a kernel radio other than from acknowledges a
// frame to addr: one owns the address. Like wmediumd, the medium does not
// track which channel a kernel radio listens on (a radio's transmit
// frequency says nothing about where it is during a hardware scan), so an
// off-channel receiver is acknowledged too. m.mu is held.
func (m *Medium) answers(addr [6]byte, from [6]byte) bool {
	ra, ok := m.addrs[addr]
	return ok && ra != from && m.radios[ra] != nil
}

// Serve receives and handles kernel messages until Close (then it returns
// ErrClosed) or a socket error.
func (m *Medium) Serve() error {
	for {
		gm, nm, err := m.c.Receive()
		if err != nil {
			m.mu.Lock()
			closed := m.closed
			m.mu.Unlock()
			if closed {
				return ErrClosed
			}
			if errors.Is(err, unix.ENOBUFS) {
				// The kernel found our receive buffer full and dropped
				// frames (netlink_overrun). Count it, say so once.
				if m.st.overruns.Add(1) == 1 {
					m.log.Warn("hwsim: netlink receive buffer overrun: the kernel dropped frames for the medium", "buffer", m.rcvbuf)
				}
				continue
			}
			var oe *netlink.OpError
			if errors.As(err, &oe) && oe.Err != nil && !errors.Is(err, net.ErrClosed) {
				m.refused()
				continue
			}
			return &OpError{Op: "receive", Err: err}
		}
		for i := range gm {
			if nm[i].Header.Type == netlink.Error {
				m.acked(nm[i].Header.Sequence)
				continue
			}
			m.handle(&gm[i])
		}
	}
}

// refused takes an error reply. Either a frame we injected was refused (the
// radio was idle or on another channel: hwsim_cloned_frame_received_nl
// refuses those), counted, or a TX status came before hwsim queued its
// frame, sent again (reply.go).
func (m *Medium) refused() {
	req, ok := m.rep.fail()
	if ok && req.status {
		m.retryStatus(req.tx)
		return
	}
	m.st.refused.Add(1)
}

// acked takes a success reply; requests older than it got none.
func (m *Medium) acked(seq uint32) {
	m.lost = m.rep.ack(seq, m.lost[:0])
	if n := len(m.lost); n > 0 {
		m.st.repliesLost.Add(uint64(n))
	}
}

// Close unregisters (by closing the socket: the kernel drops a medium whose
// socket goes away) and stops Serve.
func (m *Medium) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	return m.c.Close()
}

// handle dispatches one kernel message.
func (m *Medium) handle(g *genetlink.Message) {
	switch g.Header.Command {
	case cmdFrame:
		var k kframe
		if err := parseFrame(g.Data, &k); err != nil {
			m.st.bad.Add(1)
			return
		}
		m.kernelFrame(&k)
	case cmdAddMACAddr, cmdDelMACAddr:
		r, a, err := parseMACAddr(g.Data)
		if err != nil {
			m.st.bad.Add(1)
			return
		}
		m.learn(r, 0)
		m.mu.Lock()
		// mac80211_hwsim sends ADD when an interface comes up (and when
		// a hardware scan starts with its address), DEL when it goes
		// down (or the scan ends): the address answers while some ADD
		// is not undone. A radio whose interface went down acknowledges
		// nothing more, as in the kernel (mac80211_hwsim_addr_match
		// looks at active interfaces only): a station probing an AP that
		// went away learns it from the missing Ack.
		if g.Header.Command == cmdAddMACAddr {
			m.addrs[a] = r
			m.refs[a]++
		} else if m.refs[a]--; m.refs[a] <= 0 {
			delete(m.addrs, a)
			delete(m.refs, a)
		}
		m.mu.Unlock()
		m.log.Debug("hwsim: interface address", "radio", net.HardwareAddr(r[:]).String(), "addr", net.HardwareAddr(a[:]).String(), "added", g.Header.Command == cmdAddMACAddr)
	}
}

// kernelFrame delivers a kernel radio's frame to our stations and the other
// kernel radios, then answers with its TX status.
func (m *Medium) kernelFrame(k *kframe) {
	m.st.kernelFrames.Add(1)
	freq := int(k.freq)
	m.learn(k.transmitter, freq)
	if m.cfg.Lose != nil && m.cfg.Lose(k.frame) {
		m.st.lost.Add(1)
		m.txInfo(k, false)
		return
	}
	rate := kernelRate(k.txInfo, k.txInfoFlags, freq)
	rx := air.RxInfo{Freq: freq, Rate: rate, Noise: -95}
	if m.held.frame == nil && m.cfg.Hold != nil && m.cfg.Hold(k.frame) {
		m.held.frame = append([]byte(nil), k.frame...)
		m.held.transmitter, m.held.freq, m.held.rx = k.transmitter, freq, rx
		m.st.held.Add(1)
		m.txInfo(k, true)
		return
	}

	var forged []byte
	if m.cfg.Forge != nil {
		if forged = m.cfg.Forge(k.frame); forged != nil {
			m.st.forged.Add(1)
		}
	}

	m.mu.Lock()
	var sb [4]air.Station
	sts := append(sb[:0], m.sts...)
	var rb [8][6]byte
	others := rb[:0]
	for a := range m.radios {
		if a != k.transmitter {
			others = append(others, a) // the kernel drops off-channel frames (FREQ)
		}
	}
	a1 := air.Addr1(k.frame)
	kernelAck := a1 != nil && m.answers([6]byte(a1), k.transmitter)
	m.mu.Unlock()

	acked := false
	for _, s := range sts {
		if freq != 0 && s.Freq() != freq {
			continue
		}
		m.st.toStations.Add(1)
		rx.Signal = m.signal(k.transmitter, [6]byte(s.Addr()))
		if forged != nil {
			s.Receive(forged, rx)
		}
		if s.Receive(k.frame, rx) {
			acked = true
		}
	}
	if h := &m.held; h.frame != nil {
		for _, s := range sts {
			if h.freq == 0 || s.Freq() == h.freq {
				h.rx.Signal = m.signal(h.transmitter, [6]byte(s.Addr()))
				s.Receive(h.frame, h.rx)
			}
		}
		h.frame = nil
	}
	idx := rateIndex(rate, freq) // RX_RATE is an index into the band's bitrates
	for _, a := range others {
		if m.inject(a, k.frame, idx, freq, m.signal(k.transmitter, a)) {
			m.st.relayed.Add(1)
		}
	}
	if kernelAck {
		acked = true
	}
	if !acked && a1 != nil && !air.Group(a1) && m.st.unacked.Add(1) <= 5 {
		m.log.Info("hwsim: unicast kernel frame not acknowledged", "from", net.HardwareAddr(k.transmitter[:]).String(), "to", net.HardwareAddr(a1).String(), "fc", fmt.Sprintf("%#04x", k.frame[0]))
	}
	if a1 != nil && air.Group(a1) {
		acked = true // group frames are not acknowledged; report them sent
	}
	m.txInfo(k, acked)
}

// txInfo answers a kernel frame (HWSIM_CMD_TX_INFO_FRAME): transmitter,
// flags (+STAT_ACK), cookie, signal and the TX info with the first rate
// counted once.
func (m *Medium) txInfo(k *kframe, acked bool) {
	tx := txStatus{transmitter: k.transmitter, flags: k.flags, cookie: k.cookie}
	if acked && tx.flags&flagNoAck == 0 {
		tx.flags |= flagStatAck
		m.st.acked.Add(1)
	}
	copy(tx.txInfo[:], k.txInfo)
	tx.txInfo[1] = 1
	for i := 1; i < maxRates; i++ {
		tx.txInfo[2*i], tx.txInfo[2*i+1] = 0xff, 0 // idx -1: not tried
	}
	if len(k.txInfoFlags) == len(tx.txFlags) {
		tx.hasFlags = copy(tx.txFlags[:], k.txInfoFlags) > 0
	}
	m.sendStatus(tx)
	m.st.txInfo.Add(1)
}

// sendStatus sends one TX status (again, after a refusal).
func (m *Medium) sendStatus(tx txStatus) {
	tx.try++
	m.sendMu.Lock()
	defer m.sendMu.Unlock()
	a := &m.ab
	a.reset()
	a.bytes(attrAddrTransmitter, tx.transmitter[:])
	a.u32(attrFlags, tx.flags)
	a.u32(attrSignal, uint32(int32(m.cfg.Signal)))
	a.bytes(attrTxInfo, tx.txInfo[:])
	a.u64(attrCookie, tx.cookie)
	if tx.hasFlags {
		a.bytes(attrTxInfoFlags, tx.txFlags[:])
	}
	m.send(cmdTxInfoFrame, request{status: true, tx: tx})
}

// inject sends frame to the kernel radio with hwsim address to.
func (m *Medium) inject(to [6]byte, frame []byte, rateIdx uint32, freq int, signal int8) bool {
	m.sendMu.Lock()
	defer m.sendMu.Unlock()
	a := &m.ab
	a.reset()
	a.bytes(attrAddrReceiver, to[:])
	a.bytes(attrFrame, frame)
	a.u32(attrRxRate, rateIdx)
	a.u32(attrSignal, uint32(int32(signal)))
	if freq != 0 {
		a.u32(attrFreq, uint32(freq))
	}
	return m.send(cmdFrame, request{})
}

// send sends the attributes in m.ab and remembers req until its reply;
// sendMu is held.
func (m *Medium) send(cmd uint8, req request) bool {
	id := m.rep.push(req)
	seq, err := m.out(cmd, m.ab.b)
	m.rep.sent(id, seq, err != nil)
	if n := m.rep.trim(); n > 0 {
		m.st.repliesLost.Add(uint64(n))
	}
	if err != nil {
		m.st.sendErr.Add(1)
		return false
	}
	return true
}

// Transmit implements air.Medium for our stations: the frame goes to every
// kernel radio (they filter by channel) and to our other stations. A
// unicast frame is acknowledged when its receiver is a kernel interface
// address or one of our stations that acks it.
func (m *Medium) Transmit(from air.Station, frame []byte, tx air.TxInfo) bool {
	a1 := air.Addr1(frame)
	if a1 == nil {
		return false
	}
	m.mu.Lock()
	var rb [8][6]byte
	targets := rb[:0]
	for a := range m.radios {
		targets = append(targets, a) // the kernel drops off-channel frames (FREQ)
	}
	var sb [4]air.Station
	sts := append(sb[:0], m.sts...)
	kernelAck := m.answers([6]byte(a1), [6]byte{})
	m.mu.Unlock()

	idx := rateIndex(tx.Rate, tx.Freq)
	sent := false
	self := [6]byte(from.Addr())
	for _, a := range targets {
		if m.inject(a, frame, idx, tx.Freq, m.signal(self, a)) {
			m.st.injected.Add(1)
			sent = true
		}
	}
	acked := kernelAck && sent
	rx := air.RxInfo{Freq: tx.Freq, Rate: tx.Rate, Noise: -95}
	for _, s := range sts {
		if s == from || s.Freq() != tx.Freq {
			continue
		}
		rx.Signal = m.signal(self, [6]byte(s.Addr()))
		if s.Receive(frame, rx) {
			acked = true
		}
	}
	return acked && !air.Group(a1)
}

// String names the medium for logs.
func (m *Medium) String() string { return fmt.Sprintf("hwsim medium (family %d)", m.fam.ID) }
