package softmac_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/softmac"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/vcardsim"
	"github.com/gopkt/gopkt/hw/mbuf"
)

var (
	macA = net.HardwareAddr{2, 0, 0, 0, 0xa, 1}
	macB = net.HardwareAddr{2, 0, 0, 0, 0xb, 2}
)

func attach(t *testing.T, md *air.Local, addr net.HardwareAddr) (*vcard.Device, *mbuf.Pool) {
	t.Helper()
	m := vcardsim.New(vcardsim.Config{MAC: addr})
	pool, err := mbuf.NewPool(m.Function().DMA(), mbuf.PoolOptions{Name: addr.String(), Buffers: 256})
	if err != nil {
		t.Fatal(err)
	}
	d, err := vcard.Attach(m.Function(), vcard.Config{Pool: pool, RxDescs: 64, TxDescs: 64, Mode: vcard.Interrupt})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetChannel(2412); err != nil {
		t.Fatal(err)
	}
	m.SetMedium(md)
	md.Join(m)
	t.Cleanup(func() {
		md.Leave(m)
		if err := d.Close(); err != nil {
			t.Error(err)
		}
		m.Close()
		if pool.InUse() != 0 {
			t.Errorf("%v: %d buffers in use after detach", addr, pool.InUse())
		}
	})
	return d, pool
}

// qos is a QoS data frame from the AP b to the station a, TID 3.
func qos(a, b net.HardwareAddr, body string) []byte {
	f := append([]byte{0x88, 0x02, 0, 0}, a...)
	f = append(f, b...)
	f = append(f, b...)
	f = append(f, 0x10, 0, 3, 0)
	return append(f, body...)
}

// The layer's hardware-key model end to end: the host writes the CCMP
// header (IVPRESENT), the card encrypts; the peer card decrypts and keeps the
// header (KEEPIV) and Serve hands the frame to the Com marked Decrypted.
func TestRadioTransmitServeAndKeys(t *testing.T) {
	md := air.NewLocal(air.LocalConfig{})
	da, poolA := attach(t, md, macA)
	db, poolB := attach(t, md, macB)
	ra := softmac.New(da, poolA)
	defer ra.Close()

	kc := ra.KeyCache()
	if !kc.Supports(uint32(ie.CipherCCMP128)) || kc.Supports(uint32(ie.CipherTKIP)) || kc.Supports(uint32(ie.CipherGCMP128)) {
		t.Fatal("Supports disagrees with the card's KEYCAPS (CCMP only)")
	}
	tk := bytes.Repeat([]byte{0x5a}, 16)
	if _, err := kc.SetKey(&net80211.HWKey{Suite: uint32(ie.CipherTKIP), TK: tk, Install: true}); !errors.Is(err, net80211.ErrNotSupported) {
		t.Fatalf("TKIP key: %v", err)
	}
	// A's pairwise key towards B, and B's matching key in the card below.
	slot, err := kc.SetKey(&net80211.HWKey{Suite: uint32(ie.CipherCCMP128), TK: tk, Peer: macB, Install: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.KeyCache().Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: tk, Peer: macA}); err != nil {
		t.Fatal(err)
	}
	// The group key: no peer.
	if _, err := kc.SetKey(&net80211.HWKey{Suite: uint32(ie.CipherCCMP128), KeyID: 1, Group: true, TK: tk, Install: true}); err != nil {
		t.Fatalf("group key: %v", err)
	}

	var mu sync.Mutex
	var tapped [][]byte
	com, err := net80211.NewCom(net80211.ComConfig{Radio: ra, Tap: func(f []byte) {
		mu.Lock()
		tapped = append(tapped, append([]byte(nil), f...))
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ra.Serve(ctx, com, 0) }()

	// A frame as the layer hands it over with a hardware key: Protected set,
	// CCMP header with PN 9 and key ID 0 written, no MIC.
	plain := qos(macB, macA, "through the key cache")
	f := append(bytes.Clone(plain[:26]), 9, 0, 0, 0x20, 0, 0, 0, 0)
	f[1] |= 0x40
	f = append(f, plain[26:]...)
	if err := ra.Transmit(f, &net80211.TxInfo{Rate: 108, Retries: 3, KeySlot: slot, Cookie: 1 << 40}); err != nil {
		t.Fatal(err)
	}
	var bufs [4]*mbuf.Buf
	var info [4]vcard.RxInfo
	deadline := time.Now().Add(2 * time.Second)
	n := 0
	for n == 0 && time.Now().Before(deadline) {
		if _, err := db.Wait(100 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		n = db.Receive(bufs[:], info[:])
	}
	if n != 1 || !info[0].Decrypted || info[0].PN != 9 || !bytes.Equal(bufs[0].Bytes(), plain) {
		t.Fatalf("B got %d frames, info %+v", n, info[0])
	}
	bufs[0].Free()

	// B's card encrypts a frame to A (card-generated PN 1); A's card
	// decrypts it with the slot for transmitter B, keeps the CCMP header
	// (KEEPIV) and Serve hands it to the Com, whose tap sees it.
	back := qos(macA, macB, "and back through the key cache")
	bslot, err := db.KeyCache().Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: tk, Peer: macA})
	if err != nil {
		t.Fatal(err)
	}
	b, err := poolB.Get()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := b.Append(len(back))
	copy(p, back)
	if db.Transmit([]*mbuf.Buf{b}, []vcard.TxInfo{{Key: bslot}}) != 1 {
		t.Fatal("B refused the frame")
	}
	deadline = time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		got := len(tapped)
		mu.Unlock()
		if got >= 1 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve: %v", err)
	}
	var st [1]vcard.TxStatus
	if db.Reap(st[:]) != 1 || !st[0].Acked {
		t.Fatalf("B's TX status %+v: A's card must acknowledge", st[0])
	}
	mu.Lock()
	defer mu.Unlock()
	if len(tapped) != 1 {
		t.Fatalf("the Com's tap saw %d frames, want 1", len(tapped))
	}
	// Radiotap header, then the MPDU: header with Protected, CCMP header
	// with PN 1, plaintext, no MIC.
	want := append(bytes.Clone(back[:26]), 1, 0, 0, 0x20, 0, 0, 0, 0)
	want[1] |= 0x40
	want = append(want, back[26:]...)
	if got := tapped[0]; !bytes.HasSuffix(got, want) {
		t.Fatalf("tapped % x\nwant suffix % x", got, want)
	}
}
