package pktdump

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
	"unsafe"

	xbpf "golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/stack/bpf"
	"github.com/gopkt/gopkt/stack/bpf/capture"
)

// AFPacketOptions configure OpenAFPacket.
type AFPacketOptions struct {
	// Filter is a tcpdump-style expression compiled by package bpf and
	// attached in the kernel (SO_ATTACH_FILTER), so rejected frames never
	// reach user space. Ignored if Program is set.
	Filter string
	// Program is a classic BPF program to attach instead of Filter.
	Program []xbpf.Instruction
	// Snaplen caps the bytes kept per frame; 0 means bpf.DefaultSnaplen.
	Snaplen int
	// NoPromisc leaves the interface out of promiscuous mode.
	NoPromisc bool
}

// AFPacket captures from a Linux interface through an AF_PACKET socket
// (packet(7)): SOCK_RAW, all protocols, bound to one interface, with the
// compiled filter attached in the kernel. It implements Source.
//
// The socket is created with protocol 0 (receiving nothing), the filter is
// attached, and only then is it bound with ETH_P_ALL, so no frame slips in
// before the filter. The kernel hands frames over with any 802.1Q tag
// stripped by the NIC already removed (packet(7) reports it as auxiliary
// data, which AFPacket does not reinsert), so "vlan" filters do not match
// on Linux interfaces with VLAN offload.
type AFPacket struct {
	f       *os.File
	rc      syscall.RawConn
	ifindex int
	snap    int
	oob     []byte
}

// ethPAll is ETH_P_ALL in network byte order, as packet(7) wants it.
func ethPAll() uint16 { return uint16(unix.ETH_P_ALL>>8) | uint16(unix.ETH_P_ALL&0xff)<<8 }

// OpenAFPacket opens iface for capture. It needs CAP_NET_RAW.
func OpenAFPacket(iface string, opts AFPacketOptions) (*AFPacket, error) {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return nil, &OpError{Op: "open", Iface: iface, Err: err, Hint: "check the name with `ip link`"}
	}
	if opts.Snaplen <= 0 {
		opts.Snaplen = bpf.DefaultSnaplen
	}
	prog := opts.Program
	if prog == nil {
		prog, err = bpf.Compile(opts.Filter, bpf.LinkEthernet, uint32(opts.Snaplen))
		if err != nil {
			return nil, &OpError{Op: "compile filter", Iface: iface, Err: err}
		}
	}
	raw, err := xbpf.Assemble(prog)
	if err != nil {
		return nil, &OpError{Op: "assemble filter", Iface: iface, Err: err}
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		hint := ""
		if errors.Is(err, unix.EPERM) {
			hint = "AF_PACKET needs CAP_NET_RAW: run as root or `setcap cap_net_raw+ep` the binary"
		}
		return nil, &OpError{Op: "socket", Iface: iface, Err: err, Hint: hint}
	}
	closeOnErr := func(op string, err error, hint string) (*AFPacket, error) {
		unix.Close(fd)
		return nil, &OpError{Op: op, Iface: iface, Err: err, Hint: hint}
	}
	filter := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		filter[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &fprog); err != nil {
		return closeOnErr("attach filter", err, fmt.Sprintf("the kernel refused a %d-instruction program (limit 4096)", len(filter)))
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return closeOnErr("SO_TIMESTAMPNS", err, "")
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: ethPAll(), Ifindex: ifi.Index}); err != nil {
		return closeOnErr("bind", err, "")
	}
	if !opts.NoPromisc {
		mreq := unix.PacketMreq{Ifindex: int32(ifi.Index), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return closeOnErr("promiscuous mode", err, "pass NoPromisc (pktdump -p) to capture without it")
		}
	}
	f := os.NewFile(uintptr(fd), "packet:"+iface)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, &OpError{Op: "poller", Iface: iface, Err: err}
	}
	return &AFPacket{f: f, rc: rc, ifindex: ifi.Index, snap: opts.Snaplen, oob: make([]byte, unix.CmsgSpace(int(unsafe.Sizeof(unix.Timespec{}))))}, nil
}

// LinkType is Ethernet.
func (a *AFPacket) LinkType() bpf.LinkType { return bpf.LinkEthernet }

// Read waits for the next frame (through the runtime's poller; ctx's end
// interrupts it) and copies at most len(buf) bytes of it.
func (a *AFPacket) Read(ctx context.Context, buf []byte) (capture.Info, error) {
	var in capture.Info
	if err := ctx.Err(); err != nil {
		return in, err
	}
	a.f.SetReadDeadline(time.Time{}) // undo a cancellation that raced the previous Read's end
	stop := context.AfterFunc(ctx, func() { a.f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	var (
		n, oobn int
		from    unix.Sockaddr
		rerr    error
	)
	err := a.rc.Read(func(fd uintptr) bool {
		n, oobn, _, from, rerr = unix.Recvmsg(int(fd), buf, a.oob, unix.MSG_TRUNC)
		return rerr != unix.EAGAIN
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		if ctx.Err() != nil {
			a.f.SetReadDeadline(time.Time{})
			return in, ctx.Err()
		}
		if errors.Is(err, os.ErrClosed) {
			return in, fmt.Errorf("pktdump: %w", capture.ErrClosed)
		}
		return in, &OpError{Op: "read", Err: err}
	}
	in.Length = n
	in.CaptureLength = min(n, len(buf))
	in.Dir = capture.In
	in.IfIndex = a.ifindex
	if ll, ok := from.(*unix.SockaddrLinklayer); ok {
		if ll.Pkttype == unix.PACKET_OUTGOING {
			in.Dir = capture.Out
		}
		in.IfIndex = ll.Ifindex
	}
	in.Time = timestamp(a.oob[:oobn])
	return in, nil
}

// timestamp extracts the SCM_TIMESTAMPNS control message (socket(7)), or
// falls back to the current time.
func timestamp(oob []byte) int64 {
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		if h.Len < unix.SizeofCmsghdr || int(h.Len) > len(oob) {
			break
		}
		if h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS && int(h.Len) >= unix.CmsgLen(int(unsafe.Sizeof(unix.Timespec{}))) {
			ts := (*unix.Timespec)(unsafe.Pointer(&oob[unix.CmsgLen(0)]))
			return ts.Nano()
		}
		oob = oob[unix.CmsgSpace(int(h.Len)-unix.CmsgLen(0)):]
	}
	return time.Now().UnixNano()
}

// Stats returns the kernel's counters for the socket (PACKET_STATISTICS;
// reading them resets them): frames received and dropped for lack of
// buffer space.
func (a *AFPacket) Stats() (received, dropped uint32, err error) {
	var st *unix.TpacketStats
	cerr := a.rc.Control(func(fd uintptr) {
		st, err = unix.GetsockoptTpacketStats(int(fd), unix.SOL_PACKET, unix.PACKET_STATISTICS)
	})
	if cerr != nil {
		return 0, 0, cerr
	}
	if err != nil {
		return 0, 0, err
	}
	return st.Packets, st.Drops, nil
}

// Close closes the socket; a blocked Read returns capture.ErrClosed.
func (a *AFPacket) Close() error { return a.f.Close() }
