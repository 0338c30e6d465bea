package observer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
)

// Output is the link type DecryptCapture writes.
type Output uint8

// Outputs.
const (
	// OutputEthernet writes each decrypted MSDU as an Ethernet II frame
	// (link type 1), as airdecap-ng does; an A-MSDU becomes one frame per
	// subframe.
	OutputEthernet Output = iota
	// Output80211 writes the decrypted MAC frame, Protected bit clear and
	// cipher fields removed (link type 105, no FCS), as airdecap-ng -l does.
	Output80211
)

// CaptureConfig is Config plus how records are read and written.
type CaptureConfig struct {
	Config
	FCS    FCSMode // for link types 105 and 119 (radiotap and PPI say it themselves)
	Output Output
}

// CaptureStats is Stats plus what the capture layer counted.
type CaptureStats struct {
	Stats
	Records     uint64 // records read
	LinkErrors  uint64 // records whose link-layer header was malformed
	BadFCS      uint64 // records the capture marked as failing the FCS check
	OtherLink   uint64 // records of a pcapng interface with an unsupported link type
	Written     uint64 // records written
	AMSDUSplits uint64 // A-MSDUs written as several Ethernet frames
}

// Write prints the summary.
func (s *CaptureStats) Write(w io.Writer) error {
	if err := s.Stats.Write(w); err != nil {
		return err
	}
	for _, x := range []struct {
		n    uint64
		what string
	}{
		{s.LinkErrors, "records with a malformed link-layer header"},
		{s.BadFCS, "records marked with a bad FCS"},
		{s.OtherLink, "records of an unsupported link type"},
		{s.AMSDUSplits, "A-MSDUs split into Ethernet frames"},
	} {
		if x.n != 0 {
			if _, err := fmt.Fprintf(w, "%-26s%8d  %s\n", "", x.n, x.what); err != nil {
				return err
			}
		}
	}
	_, err := fmt.Fprintf(w, "records written           %8d\n", s.Written)
	return err
}

// packetReader is what pcapgo's pcap and pcapng readers share.
type packetReader interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// pcapng section header block type, read little- or big-endian alike.
const pcapngMagic = 0x0a0d0d0a

// DecryptCapture reads a pcap or pcapng capture of 802.11 traffic from in
// (radiotap, plain 802.11 with or without FCS, Prism/AVS or PPI records),
// follows its handshakes, and writes every decrypted data frame to out as
// a pcap file of the configured output link type. It is what `wlan
// decrypt` runs. Records that cannot be read are counted and skipped; the
// error is for an unreadable file, a bad configuration or a failed write.
func DecryptCapture(in io.Reader, out io.Writer, c CaptureConfig) (CaptureStats, error) {
	var st CaptureStats
	o, err := New(c.Config)
	if err != nil {
		return st, err
	}
	br := bufio.NewReaderSize(in, 1<<16)
	magic, err := br.Peek(4)
	if err != nil {
		return st, &OpError{Op: "decrypt", Err: ErrFormat, Detail: "shorter than a file header", Fix: "give a pcap or pcapng file"}
	}
	var r packetReader
	var linkOf func(ci *gopacket.CaptureInfo) int
	if binary.LittleEndian.Uint32(magic) == pcapngMagic {
		ng, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return st, &OpError{Op: "decrypt", Err: ErrFormat, Cause: err, Fix: "give a pcap or pcapng file"}
		}
		r = ng
		linkOf = func(ci *gopacket.CaptureInfo) int {
			i, err := ng.Interface(ci.InterfaceIndex)
			if err != nil {
				return -1
			}
			return int(i.LinkType)
		}
	} else {
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return st, &OpError{Op: "decrypt", Err: ErrFormat, Cause: err, Fix: "give a pcap or pcapng file"}
		}
		r = pr
		lt := int(pr.LinkType())
		linkOf = func(*gopacket.CaptureInfo) int { return lt }
		if !supported(lt) {
			return st, &OpError{Op: "decrypt", Err: ErrLinkType, Detail: linkName(lt), Fix: "capture with radiotap headers (a monitor interface) or plain 802.11"}
		}
	}
	w := pcapgo.NewWriter(out)
	outLink := layers.LinkTypeEthernet
	if c.Output == Output80211 {
		outLink = layers.LinkTypeIEEE802_11
	}
	if err := w.WriteFileHeader(65535, outLink); err != nil {
		return st, &OpError{Op: "decrypt", Err: ErrWrite, Cause: err}
	}
	var scratch []byte
	for {
		data, ci, err := r.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				st.LinkErrors++ // a truncated last record, as a capture killed mid-write leaves
				break
			}
			st.Stats = o.Stats()
			return st, &OpError{Op: "decrypt", Err: ErrFormat, Detail: fmt.Sprintf("after record %d", st.Records), Cause: err}
		}
		st.Records++
		lt := linkOf(&ci)
		if !supported(lt) {
			st.OtherLink++
			continue
		}
		mac, err := MAC(lt, data, c.FCS)
		switch err {
		case nil:
		case ErrBadFCS:
			st.BadFCS++
			continue
		default:
			st.LinkErrors++
			continue
		}
		v, f := o.Frame(mac)
		if v != Decrypted {
			continue
		}
		if c.Output == Output80211 {
			if err := writeRecord(w, &ci, f); err != nil {
				return st, err
			}
			st.Written++
			continue
		}
		n, err := writeEther(w, &ci, f, &scratch)
		st.Written += uint64(n)
		if n > 1 {
			st.AMSDUSplits++
		}
		if err != nil {
			st.Stats = o.Stats()
			return st, err
		}
	}
	st.Stats = o.Stats()
	return st, nil
}

func supported(lt int) bool {
	switch lt {
	case LinkIEEE80211, LinkRadiotap, LinkPrism, LinkPPI:
		return true
	}
	return false
}

func linkName(lt int) string {
	return fmt.Sprintf("link type %d is not 802.11 (radiotap 127, 802.11 105, Prism 119 or PPI 192)", lt)
}

func writeRecord(w *pcapgo.Writer, ci *gopacket.CaptureInfo, b []byte) error {
	ci.CaptureLength, ci.Length = len(b), len(b)
	if err := w.WritePacket(*ci, b); err != nil {
		return &OpError{Op: "decrypt", Err: ErrWrite, Cause: err}
	}
	return nil
}

// qosAMSDU is the A-MSDU Present bit of QoS Control (9.2.4.5.9).
const qosAMSDU = 0x0080

// writeEther writes the decrypted data frame f as Ethernet: in place for
// one MSDU (net80211.ToEther), or one frame per A-MSDU subframe (9.3.2.2:
// DA, SA, length, MSDU, padding to 4 octets) built in scratch.
func writeEther(w *pcapgo.Writer, ci *gopacket.CaptureInfo, f []byte, scratch *[]byte) (int, error) {
	fr := frame.Frame(f)
	hdr := fr.HeaderLen()
	if !fr.FC().IsQoSData() || fr.QoSCtl()&qosAMSDU == 0 {
		e, err := net80211.ToEther(f, hdr)
		if err != nil {
			return 0, nil
		}
		return 1, writeRecord(w, ci, e)
	}
	n := 0
	for b := f[hdr:]; len(b) >= 14; {
		l := int(binary.BigEndian.Uint16(b[12:]))
		if 14+l > len(b) {
			break
		}
		msdu := b[14 : 14+l]
		e := (*scratch)[:0]
		e = append(e, b[:12]...)
		if len(msdu) >= net80211.LLCLen && msdu[0] == 0xaa && msdu[1] == 0xaa && msdu[2] == 0x03 {
			e = append(e, msdu[6:]...)
		} else {
			e = binary.BigEndian.AppendUint16(e, uint16(len(msdu)))
			e = append(e, msdu...)
		}
		*scratch = e
		if err := writeRecord(w, ci, e); err != nil {
			return n, err
		}
		n++
		next := (14 + l + 3) &^ 3
		if next >= len(b) {
			break
		}
		b = b[next:]
	}
	return n, nil
}
