package frame

import (
	"bytes"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/internal/capture"
)

// addCaptureSeeds adds every frame of every capture as a fuzz seed.
func addCaptureSeeds(f *testing.F) {
	for _, name := range capture.Names() {
		c, err := capture.Read(name)
		if err != nil {
			continue
		}
		for _, p := range c.Frames() {
			f.Add(p)
		}
	}
}

// FuzzParse checks that Parse and every accessor and body parser never
// panic, and that a parsed header re-encodes to the same bytes.
func FuzzParse(f *testing.F) {
	addCaptureSeeds(f)
	f.Add([]byte{0xd4, 0, 0, 0, 1, 2, 3, 4, 5, 6})
	f.Add([]byte{0x88, 0x83, 0, 0, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 0, 0, 1, 2, 3, 4, 5, 6, 0, 0, 1, 2, 3, 4})
	f.Add([]byte{0x94, 0, 0, 0, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 4, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8})
	// Past crash: multi-TID BlockAck has no bitmap; Acked indexed it.
	f.Add([]byte{0x94, 0, 0, 0, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 2, 0, 0x30, 0x30})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := Parse(b)
		if err != nil {
			return
		}
		_, _, _, _ = fr.Addr1(), fr.Addr2(), fr.Addr3(), fr.Addr4()
		_, _, _, _ = fr.BSSID(), fr.DA(), fr.SA(), fr.TID()
		_, _ = fr.HTC(), fr.AID()
		body := fr.Body()
		h := fr.Fields()
		if got := AppendHeader(nil, &h); fr.FC().Subtype() != SubCtrlWrapper || fr.Type() != TypeCtrl {
			if !bytes.Equal(got, b[:fr.HeaderLen()]) {
				t.Fatalf("round trip %x != %x", got, b[:fr.HeaderLen()])
			}
		}
		switch fr.Type() {
		case TypeMgmt:
			switch fr.Subtype() {
			case SubBeacon, SubProbeResp:
				if v, err := ParseBeacon(body); err == nil {
					_ = v.Fields()
					_ = v.Elements()
				}
			case SubAuth:
				if v, err := ParseAuth(body); err == nil {
					_ = v.Fields()
					_ = v.Elements()
				}
			case SubAssocReq, SubReassocReq:
				if v, err := ParseAssocReq(body, fr.Subtype() == SubReassocReq); err == nil {
					_ = v.Fields()
					_ = v.Elements()
				}
			case SubAssocResp, SubReassocResp:
				if v, err := ParseAssocResp(body); err == nil {
					_ = v.Fields()
					_ = v.Elements()
				}
			case SubDeauth, SubDisassoc:
				if v, err := ParseReason(body); err == nil {
					_ = v.Code()
				}
			case SubAction, SubActionNoAck:
				if v, err := ParseAction(body); err == nil {
					_, _, _ = v.Category(), v.ActionCode(), v.Payload()
				}
			}
		case TypeCtrl:
			switch fr.Subtype() {
			case SubBlockAck:
				if v, err := ParseBlockAck(body); err == nil {
					_ = v.Bitmap()
					for s := uint16(0); s < 70; s++ {
						_ = v.Acked(v.StartSeq() + s)
					}
				}
			case SubBlockAckReq:
				if v, err := ParseBlockAckReq(body); err == nil {
					_, _ = v.TID(), v.StartSeq()
				}
			}
		}
	})
}
