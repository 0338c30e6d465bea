package pktdump

import (
	"encoding/binary"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// cmsg builds one control message as the kernel lays it out (cmsg(3)).
func cmsg(level, typ int32, data []byte) []byte {
	b := make([]byte, unix.CmsgSpace(len(data)))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = level, typ
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[unix.CmsgLen(0):], data)
	return b
}

func TestParseControl(t *testing.T) {
	ts := make([]byte, unsafe.Sizeof(unix.Timespec{}))
	binary.NativeEndian.PutUint64(ts[0:], 1_700_000_000)
	binary.NativeEndian.PutUint64(ts[8:], 123456789)
	want := int64(1_700_000_000_123_456_789)
	other := cmsg(unix.SOL_SOCKET, unix.SCM_CREDENTIALS, make([]byte, 12))
	for name, oob := range map[string][]byte{
		"alone":       cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, ts),
		"after other": append(other, cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, ts)...),
	} {
		if got := parseControl(oob); got != (control{time: want}) {
			t.Errorf("%s: %+v, want time %d", name, got, want)
		}
	}
	before := time.Now().UnixNano()
	if got := parseControl(nil); got.time < before || got.vlan {
		t.Errorf("fallback %+v is not the current time", got)
	}
	// PACKET_AUXDATA with a stripped tag (packet(7)): status, len,
	// snaplen, mac, net, vlan_tci, vlan_tpid.
	aux := make([]byte, unsafe.Sizeof(unix.TpacketAuxdata{}))
	binary.NativeEndian.PutUint32(aux[0:], unix.TP_STATUS_VLAN_VALID|unix.TP_STATUS_VLAN_TPID_VALID)
	binary.NativeEndian.PutUint16(aux[16:], 0xa064)
	binary.NativeEndian.PutUint16(aux[18:], 0x88a8)
	oob := append(cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, ts), cmsg(unix.SOL_PACKET, unix.PACKET_AUXDATA, aux)...)
	if got := parseControl(oob); got != (control{time: want, vlan: true, tci: 0xa064, tpid: 0x88a8}) {
		t.Errorf("auxdata: %+v", got)
	}
	binary.NativeEndian.PutUint32(aux[0:], unix.TP_STATUS_VLAN_VALID)
	if got := parseControl(cmsg(unix.SOL_PACKET, unix.PACKET_AUXDATA, aux)); !got.vlan || got.tpid != 0x8100 || got.tci != 0xa064 {
		t.Errorf("auxdata without TPID: %+v", got)
	}
}

// FuzzParseControl: malformed control data must never make the cmsg walk
// read outside the buffer.
func FuzzParseControl(f *testing.F) {
	ts := make([]byte, 16)
	f.Add(cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, ts))
	f.Add(append(cmsg(unix.SOL_SOCKET, 99, []byte{1}), 1, 2, 3))
	f.Add(cmsg(unix.SOL_PACKET, unix.PACKET_AUXDATA, make([]byte, 20)))
	f.Fuzz(func(t *testing.T, oob []byte) {
		// Copy into an 8-aligned buffer as the kernel's is.
		buf := make([]uint64, (len(oob)+7)/8)
		b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(buf))), len(buf)*8)[:len(oob)]
		copy(b, oob)
		_ = parseControl(b)
	})
}
