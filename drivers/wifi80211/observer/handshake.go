package observer

import (
	"bytes"

	"github.com/gopkt/gopkt/crypto/prf"
	"github.com/gopkt/gopkt/drivers/wifi80211/eapol"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
)

// pair is the observer's view of one association's 4-way handshakes
// (802.11-2020 12.7.6) and the keys they produced.
type pair struct {
	// anonces are the last ANonces seen (messages 1 and 3) with their
	// replay counters, newest at next-1: an authenticator that starts
	// over sends a new ANonce before the station answered the old one,
	// and a message 2 answers the message 1 with its replay counter.
	anonces [4]anonce
	next    int
	m2      []byte // the last message 2 (EAPOL frame, padding excluded), copied
	m2Ver   uint16 // its Key Descriptor Version
	snonce  [32]byte
	// pairwise and group are the cipher suites of the station's RSN or
	// WPA element in message 2.
	pairwise, group ie.Suite
	ptk             []byte // the PTK in use: KCK, KEK, TK
	ver             uint16 // descriptor version of the handshake that made ptk
	// keys[0] decrypts AP to station, keys[1] station to AP: one TK, the
	// TKIP Michael halves swapped (12.7.1.3).
	keys [2]*net80211.Key
	prev [2]*net80211.Key // the keys a rekey replaced
	last [2]uint64        // PN of the last frame each way, to skip retransmissions
}

type anonce struct {
	nonce  [32]byte
	replay uint64
	ok     bool
}

// addANonce records an ANonce unless it is the newest already.
func (p *pair) addANonce(n []byte, replay uint64) bool {
	last := &p.anonces[(p.next+len(p.anonces)-1)%len(p.anonces)]
	if last.ok && bytes.Equal(last.nonce[:], n) {
		last.replay = replay
		return false
	}
	a := &p.anonces[p.next]
	copy(a.nonce[:], n)
	a.replay, a.ok = replay, true
	p.next = (p.next + 1) % len(p.anonces)
	return true
}

// Message numbers of the 4-way handshake and the group key handshake, as
// classified from Key Information (12.7.6.2-12.7.6.5, 12.7.7).
const (
	msgNone = iota
	msg1
	msg2
	msg3
	msg4
	msgGroup1
	msgGroup2
)

// classify names an EAPOL-Key frame. Message 2 and 4 differ only in what
// they carry: 4 has the Secure bit in RSN, and in WPA1 (which sets no
// Secure bit there) neither key data nor, usually, a nonce.
func classify(k eapol.Key) int {
	info := k.Info()
	if info&eapol.InfoPairwise == 0 {
		switch {
		case info&eapol.InfoAck != 0 && info&eapol.InfoMIC != 0:
			return msgGroup1
		case info&eapol.InfoAck == 0 && info&eapol.InfoMIC != 0:
			return msgGroup2
		}
		return msgNone
	}
	switch info & (eapol.InfoAck | eapol.InfoMIC | eapol.InfoInstall) {
	case eapol.InfoAck:
		return msg1
	case eapol.InfoAck | eapol.InfoMIC | eapol.InfoInstall:
		return msg3
	case eapol.InfoMIC:
		if info&eapol.InfoSecure != 0 || info&eapol.InfoRequest != 0 {
			return msg4 // (a Request is a MIC failure report or rekey request: not message 2)
		}
		if k.KeyDataLen() == 0 && allZero(k.Nonce()) {
			return msg4
		}
		return msg2
	}
	return msgNone
}

// eapol follows one EAPOL frame (after the LLC header) between the pair
// id's AP and station, sent to the AP when toAP.
func (o *Observer) eapol(id pairID, toAP bool, pdu []byte) {
	e, k, err := eapol.ParseKeyFrame(pdu, eapol.DefaultMIC)
	if err != nil {
		if err != eapol.ErrType {
			o.stats.EAPOLMalformed++
		}
		return
	}
	pdu = e.Frame()
	msg := classify(k)
	if msg == msgNone || (toAP != (msg == msg2 || msg == msg4 || msg == msgGroup2)) {
		o.stats.EAPOLMalformed++ // a message sent the wrong way
		return
	}
	o.stats.EAPOLKey++
	p := o.pairs[id]
	if p == nil {
		if msg != msg1 && msg != msg2 && msg != msg3 {
			return
		}
		p = &pair{}
		o.pairs[id] = p
	}
	switch msg {
	case msg1:
		if p.addANonce(k.Nonce(), k.ReplayCounter()) {
			o.derive(id, p)
		}
	case msg2:
		copy(p.snonce[:], k.Nonce())
		p.m2 = append(p.m2[:0], pdu...)
		p.m2Ver = k.DescVersion()
		p.pairwise, p.group = suites(k)
		if !o.derive(id, p) && p.anonces[0].ok {
			o.stats.HandshakeNoKey++ // no secret given verifies this station's message 2
		}
	case msg3:
		if !allZero(k.Nonce()) && p.addANonce(k.Nonce(), k.ReplayCounter()) {
			o.derive(id, p)
		}
		o.msg3(id, p, pdu, k)
	case msgGroup1:
		o.group1(id, p, pdu, k)
	}
}

// suites reads the pairwise and group cipher from message 2's RSN element
// (or WPA element, whose suites are mapped to the IEEE ones). Without one,
// descriptor version 1 means TKIP and the others CCMP.
func suites(k eapol.Key) (pairwise, group ie.Suite) {
	it := eapol.NewKDEIter(k.KeyData())
	for it.Next() {
		item := it.Item()
		var r ie.RSN
		var err error
		switch {
		case !item.KDE && item.ID == ie.IDRSN:
			r, err = ie.ParseRSN(item.Data)
		case !item.KDE && item.ID == ie.IDVendor:
			v, verr := ie.ParseVendor(item.Data)
			if verr != nil || v.OUI != ie.OUIMicrosoft || v.Type != ie.VendorTypeWPA {
				continue
			}
			r, err = ie.ParseWPA(v.Data)
		default:
			continue
		}
		if err == nil && len(r.Pairwise) > 0 {
			return r.Pairwise[0].ToIEEE(), r.Group.ToIEEE()
		}
	}
	if k.DescVersion() == eapol.VersionMD5RC4 {
		return ie.CipherTKIP, ie.CipherTKIP
	}
	return ie.CipherCCMP128, ie.CipherCCMP128
}

// derive tries every PMK on the pair's ANonce and SNonce and keeps the PTK
// whose KCK verifies message 2's MIC (12.7.1.3: PRF-SHA-1 for descriptor
// versions 1 and 2, the SHA-256 KDF for 3 and for AKM-defined version 0,
// which SAE uses), installing its TK both ways.
func (o *Observer) derive(id pairID, p *pair) bool {
	if !p.anonces[0].ok || p.m2 == nil {
		return false
	}
	c := o.ciphers[p.pairwise]
	if c == nil {
		o.stats.CipherUnsupported++
		return false
	}
	_, k, err := eapol.ParseKeyFrame(p.m2, eapol.DefaultMIC)
	if err != nil {
		return false
	}
	bits := 256 + 8*c.KeyLen()
	aa, spa := id[:6], id[6:]
	// The ANonce of message 2's replay counter first, then the others,
	// newest first.
	var order [len(p.anonces)]int
	n := 0
	for i := range p.anonces {
		j := (p.next + len(p.anonces) - 1 - i) % len(p.anonces)
		if a := &p.anonces[j]; a.ok && a.replay == k.ReplayCounter() {
			order[n] = j
			n++
		}
	}
	for i := range p.anonces {
		j := (p.next + len(p.anonces) - 1 - i) % len(p.anonces)
		if a := &p.anonces[j]; a.ok && a.replay != k.ReplayCounter() {
			order[n] = j
			n++
		}
	}
	for _, j := range order[:n] {
		for i := range o.pmks {
			ptk, ok := o.tryPTK(p, k, o.pmks[i][:], aa, spa, p.anonces[j].nonce[:], bits)
			if ok {
				return o.install(p, c, ptk)
			}
		}
	}
	return false
}

// tryPTK derives the PTK from one PMK and ANonce and checks message 2's MIC with it.
func (o *Observer) tryPTK(p *pair, k eapol.Key, pmk, aa, spa, anonce []byte, bits int) ([]byte, bool) {
	var ptk []byte
	var err error
	if p.m2Ver == eapol.VersionCMACAES || p.m2Ver == eapol.VersionAKMChose {
		ptk, err = prf.PTKSHA256(pmk, aa, spa, anonce, p.snonce[:], bits)
	} else {
		ptk, err = prf.PTK(pmk, aa, spa, anonce, p.snonce[:], bits)
	}
	return ptk, err == nil && net80211.VerifyEAPOLMIC(micVer(p.m2Ver), ptk[:16], p.m2, k)
}

// install makes a verified PTK the pair's keys, the old ones kept for
// frames still under them.
func (o *Observer) install(p *pair, c net80211.Cipher, ptk []byte) bool {
	if p.ptk != nil && bytes.Equal(p.ptk, ptk) {
		return true // a retransmitted message: the keys stay
	}
	tk := ptk[32:]
	ap, err1 := net80211.NewKey(c, 0, tk, net80211.RoleSupplicant, net80211.KeyRecv)
	sta, err2 := net80211.NewKey(c, 0, tk, net80211.RoleAuthenticator, net80211.KeyRecv)
	if err1 != nil || err2 != nil {
		o.stats.CipherUnsupported++
		return false
	}
	p.prev, p.keys = p.keys, [2]*net80211.Key{ap, sta}
	p.last = [2]uint64{}
	p.ptk, p.ver = ptk, p.m2Ver
	o.stats.Handshakes++
	return true
}

// micVer maps AKM-defined version 0 (SAE) to the AES-CMAC MIC and AES key
// wrap of version 3 (802.11-2020 12.7.3, table 12-11).
func micVer(v uint16) uint16 {
	if v == eapol.VersionAKMChose {
		return eapol.VersionCMACAES
	}
	return v
}

// msg3 takes the GTK (and its key index) from message 3's encrypted key
// data, once the MIC verified under the pair's PTK.
func (o *Observer) msg3(id pairID, p *pair, pdu []byte, k eapol.Key) {
	if p.ptk == nil || k.Info()&eapol.InfoEncData == 0 {
		return // WPA1: the GTK comes in a group key handshake
	}
	ver := micVer(k.DescVersion())
	if !net80211.VerifyEAPOLMIC(ver, p.ptk[:16], pdu, k) {
		o.stats.EAPOLBadMIC++
		return
	}
	data, err := net80211.DecryptKeyData(ver, p.ptk[16:32], k.IV(), k.KeyData())
	if err != nil {
		o.stats.EAPOLMalformed++
		return
	}
	o.gtkKDE(id, p, data)
}

// group1 takes the GTK from message 1 of a group key handshake (12.7.7.2):
// a GTK KDE in RSN, the bare key with its index in Key Information in WPA1.
func (o *Observer) group1(id pairID, p *pair, pdu []byte, k eapol.Key) {
	if p.ptk == nil {
		return
	}
	ver := micVer(k.DescVersion())
	if !net80211.VerifyEAPOLMIC(ver, p.ptk[:16], pdu, k) {
		o.stats.EAPOLBadMIC++
		return
	}
	data := k.KeyData()
	if k.Info()&eapol.InfoEncData != 0 || k.Descriptor() == eapol.DescWPA {
		var err error
		if data, err = net80211.DecryptKeyData(ver, p.ptk[16:32], k.IV(), data); err != nil {
			o.stats.EAPOLMalformed++
			return
		}
	}
	if k.Descriptor() == eapol.DescWPA {
		c := o.ciphers[p.group]
		if c == nil || len(data) < c.KeyLen() {
			o.stats.EAPOLMalformed++
			return
		}
		o.installGTK(id, p, uint8(k.Info()&eapol.InfoKeyIdxMask>>4), data[:c.KeyLen()])
		return
	}
	o.gtkKDE(id, p, data)
}

// gtkKDE installs the GTK KDE found in decrypted key data.
func (o *Observer) gtkKDE(id pairID, p *pair, data []byte) {
	it := eapol.NewKDEIter(data)
	for it.Next() {
		item := it.Item()
		if !item.KDE || item.Type != eapol.KDEGTK {
			continue
		}
		g, err := eapol.ParseGTK(item.Data)
		if err != nil {
			o.stats.EAPOLMalformed++
			return
		}
		o.installGTK(id, p, g.KeyID, g.Key)
		return
	}
	if it.Err() != nil {
		o.stats.EAPOLMalformed++
	}
}

// installGTK puts a group key under the AP's address. The same key again
// (every station of the BSS is handed the same GTK) changes nothing.
func (o *Observer) installGTK(id pairID, p *pair, idx uint8, key []byte) {
	c := o.ciphers[p.group]
	if c == nil || idx > 3 {
		o.stats.CipherUnsupported++
		return
	}
	b := [6]byte(id[:6])
	s := o.bsss[b]
	if s == nil {
		s = &bss{}
		o.bsss[b] = s
	}
	if s.gtk[idx].SameMaterial(key) {
		return
	}
	k, err := net80211.NewKey(c, idx, key, net80211.RoleSupplicant, net80211.KeyRecv|net80211.KeyGroup)
	if err != nil {
		o.stats.EAPOLMalformed++
		return
	}
	s.prev[idx], s.gtk[idx], s.last[idx] = s.gtk[idx], k, 0
	o.stats.GroupKeys++
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
