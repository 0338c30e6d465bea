package pktdump

import (
	"context"
	"encoding/binary"
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
	"github.com/gopkt/gopkt/stack/wire"
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
// before the filter. A frame whose 802.1Q tag the NIC (or veth) stripped
// into the kernel's packet metadata is returned with the tag put back
// (from PACKET_AUXDATA), so pcap files show the frame as it was on the
// wire; the in-kernel filter, however, sees the untagged frame, so "vlan"
// filters do not match on interfaces with VLAN offload (libpcap uses
// Linux-only BPF extensions there, which this compiler does not emit).
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
		return nil, &OpError{Op: "open", Iface: iface, Err: err, Fix: "check the name with `ip link`"}
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
		return nil, &OpError{Op: "socket", Iface: iface, Err: err, Fix: hint}
	}
	closeOnErr := func(op string, err error, hint string) (*AFPacket, error) {
		unix.Close(fd)
		return nil, &OpError{Op: op, Iface: iface, Err: err, Fix: hint}
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
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_AUXDATA, 1); err != nil {
		return closeOnErr("PACKET_AUXDATA", err, "")
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
	oob := make([]byte, unix.CmsgSpace(int(unsafe.Sizeof(unix.Timespec{})))+unix.CmsgSpace(int(unsafe.Sizeof(unix.TpacketAuxdata{}))))
	return &AFPacket{f: f, rc: rc, ifindex: ifi.Index, snap: opts.Snaplen, oob: oob}, nil
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
	ctl := parseControl(a.oob[:oobn])
	in.Time = ctl.time
	if ctl.vlan && in.CaptureLength >= 12 && len(buf) >= 16 {
		// Put back the 802.1Q tag the NIC (or veth) stripped into the
		// skb, after the MAC addresses, as libpcap does (IEEE 802.1Q
		// clause 9.3: TPID, then TCI).
		n := min(in.CaptureLength+wire.VLANTagLen, len(buf))
		copy(buf[16:n], buf[12:n-wire.VLANTagLen])
		binary.BigEndian.PutUint16(buf[12:], ctl.tpid)
		binary.BigEndian.PutUint16(buf[14:], ctl.tci)
		in.CaptureLength = n
		in.Length += wire.VLANTagLen
	}
	return in, nil
}

// control is what Read takes from recvmsg's control messages.
type control struct {
	time      int64 // SCM_TIMESTAMPNS, or the current time
	vlan      bool  // the frame had an 802.1Q tag the kernel stripped
	tci, tpid uint16
}

// parseControl walks recvmsg's control data (cmsg(3)) for the receive
// timestamp (SCM_TIMESTAMPNS, socket(7)) and the packet auxiliary data
// (PACKET_AUXDATA, packet(7)) that carries a stripped VLAN tag. Malformed
// control data ends the walk; it never reads past oob.
func parseControl(oob []byte) control {
	var c control
	tsLen := uint64(unix.CmsgLen(int(unsafe.Sizeof(unix.Timespec{}))))
	auxLen := uint64(unix.CmsgLen(int(unsafe.Sizeof(unix.TpacketAuxdata{}))))
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		if h.Len < unix.SizeofCmsghdr || h.Len > uint64(len(oob)) {
			break
		}
		// Both payloads are read only after h.Len has shown they are there.
		switch {
		case h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS && h.Len >= tsLen:
			c.time = (*unix.Timespec)(unsafe.Pointer(&oob[unix.CmsgLen(0)])).Nano()
		case h.Level == unix.SOL_PACKET && h.Type == unix.PACKET_AUXDATA && h.Len >= auxLen:
			aux := (*unix.TpacketAuxdata)(unsafe.Pointer(&oob[unix.CmsgLen(0)]))
			if aux.Status&unix.TP_STATUS_VLAN_VALID != 0 {
				c.vlan, c.tci, c.tpid = true, aux.Vlan_tci, uint16(wire.EtherTypeVLAN)
				if aux.Status&unix.TP_STATUS_VLAN_TPID_VALID != 0 {
					c.tpid = aux.Vlan_tpid
				}
			}
		}
		adv := unix.CmsgSpace(int(h.Len) - unix.CmsgLen(0))
		if adv > len(oob) {
			break
		}
		oob = oob[adv:]
	}
	if c.time == 0 {
		c.time = time.Now().UnixNano()
	}
	return c
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
