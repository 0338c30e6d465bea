package net80211

import (
	"bytes"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// FuzzDecap runs every cipher's Decap (and the TKIP DeMIC) on arbitrary
// protected MPDUs: no panic, and a frame that decrypts must carry a PN
// above the previous one.
func FuzzDecap(f *testing.F) {
	h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeData, frame.SubQoSData, frame.FlagFromDS|frame.FlagProtected),
		Addr1: []byte{2, 0, 0, 0, 0, 1}, Addr2: []byte{2, 0, 0, 0, 0, 2}, Addr3: []byte{2, 0, 0, 0, 0, 3}, QoS: 5}
	for _, c := range DefaultCiphers() {
		tk := bytes.Repeat([]byte{0x42}, c.KeyLen())
		tx, _ := NewKey(c, 0, tk, RoleAuthenticator, KeyXmit)
		b := append(frame.AppendHeader(make([]byte, 0, 200), &h), "fuzz seed payload"...)
		if c.MICLen() > 0 {
			body, _ := c.EnMIC(tx, b[4:10], b[16:22], 5, b[26:])
			b = b[:26+len(body)]
		}
		enc, _ := c.Encap(tx, b, 26)
		f.Add(uint8(c.Suite()), enc)
	}
	f.Fuzz(func(t *testing.T, suite uint8, p []byte) {
		fr, err := frame.Parse(p)
		if err != nil || fr.Type() != frame.TypeData {
			return
		}
		for s, c := range DefaultCiphers() {
			if uint8(s) != suite {
				continue
			}
			k, _ := NewKey(c, 0, bytes.Repeat([]byte{0x42}, c.KeyLen()), RoleSupplicant, KeyRecv)
			out, err := c.Decap(k, bytes.Clone(p), fr.HeaderLen(), false)
			if err != nil {
				return
			}
			of := frame.Frame(out)
			committed := true
			if c.MICLen() > 0 {
				_, err := c.DeMIC(k, of.DA(), of.SA(), of.TID(), of.FC().IsQoSData(), out[fr.HeaderLen():])
				committed = err == nil
			}
			if s == ie.CipherWEP40 || s == ie.CipherWEP104 || !committed {
				return // WEP has no replay protection; TKIP commits only after the MIC
			}
			if _, err := c.Decap(k, bytes.Clone(p), fr.HeaderLen(), false); err == nil {
				t.Fatalf("%s: replayed frame accepted", c.Name())
			}
		}
	})
}
