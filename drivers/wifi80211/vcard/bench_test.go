package vcard_test

import (
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/crypto/ccm"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// BenchmarkTxRx moves 1500-byte QoS data frames from card A to card B over
// the in-process medium in bursts of 32: in the clear, through the key
// caches (CCMP on both cards), and with CCMP done by the host in software
// (crypto/ccm) around clear cards. One op is one frame.
//
// Besides wall time (ns/op, MB/s) it reports cpu-ns/op: the CPU time of
// the whole process (getrusage RUSAGE_SELF, user+system) per frame over
// the measured loop. The card models encrypt and decrypt on their own
// goroutines, so on a machine with spare cores wall time hides their work;
// process CPU time counts every goroutine (test loop, both card models,
// GC). It is exact only when nothing else runs in the process, as under
// go test -bench with one benchmark selected.
func BenchmarkTxRx(b *testing.B) {
	for _, mode := range []string{"clear", "keycache", "software"} {
		b.Run(mode, func(b *testing.B) { benchTxRx(b, mode) })
	}
}

func benchTxRx(b *testing.B, mode string) {
	md := air.NewLocal(air.LocalConfig{})
	a := newCard(b, md, macA, vcard.Poll)
	c := newCard(b, md, macB, vcard.Poll)
	tk := make([]byte, 16)
	tx := -1
	if mode == "keycache" {
		var err error
		if tx, err = a.d.KeyCache().Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: tk, Peer: mac(macB)}); err != nil {
			b.Fatal(err)
		}
		if _, err := c.d.KeyCache().Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: tk, Peer: mac(macA)}); err != nil {
			b.Fatal(err)
		}
	}
	soft, _ := ccm.New(tk, 8)
	hdr := qosFrame(mac(macA), mac(macB), 0, "")
	payload := make([]byte, 1500)
	const burst = 32
	var bufs [burst]*mbuf.Buf
	var info [burst]vcard.TxInfo
	var rbufs [burst]*mbuf.Buf
	var rinfo [burst]vcard.RxInfo
	var st [burst]vcard.TxStatus
	var nonce [13]byte
	aad := make([]byte, 24)
	pn := uint64(0)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	defer func() {
		b.StopTimer()
		b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
	}()
	got := 0
	for got < b.N {
		n := a.pool.Alloc(bufs[:])
		for i := range n {
			f, _ := bufs[i].Append(len(hdr) + len(payload))
			copy(f, hdr)
			copy(f[len(hdr):], payload)
			if mode == "software" {
				// The host's CCMP: header, encrypt, MIC (what net80211 does
				// for keys that stay in software).
				pn++
				if _, err := bufs[i].Append(16); err != nil {
					b.Fatal(err)
				}
				f = bufs[i].Bytes()
				copy(f[len(hdr)+8:], payload)
				f[1] |= 0x40
				f[len(hdr)], f[len(hdr)+1], f[len(hdr)+2], f[len(hdr)+3] = byte(pn), byte(pn>>8), 0, 0x20
				f[len(hdr)+4], f[len(hdr)+5], f[len(hdr)+6], f[len(hdr)+7] = 0, 0, 0, 0
				ccmpAADNonce(f, len(hdr), pn, aad, &nonce)
				soft.Seal(f[len(hdr)+8:len(hdr)+8], nonce[:], f[len(hdr)+8:len(f)-8], aad)
			}
			info[i] = vcard.TxInfo{Rate: 108, Key: tx, Cookie: uint32(i)}
		}
		sent := a.d.Transmit(bufs[:n], info[:n])
		a.pool.Free(bufs[sent:n])
		for done := 0; done < sent; {
			done += a.d.Reap(st[:])
			r := c.d.Receive(rbufs[:], rinfo[:])
			if mode == "software" {
				for i := range r {
					f := rbufs[i].Bytes()
					p := f[len(hdr):]
					rpn := uint64(p[0]) | uint64(p[1])<<8 | uint64(p[4])<<16 | uint64(p[5])<<24 | uint64(p[6])<<32 | uint64(p[7])<<40
					ccmpAADNonce(f, len(hdr), rpn, aad, &nonce)
					if _, err := soft.Open(f[len(hdr)+8:len(hdr)+8], nonce[:], f[len(hdr)+8:], aad); err != nil {
						b.Fatal(err)
					}
				}
			}
			c.pool.Free(rbufs[:r])
			got += r
			if done < sent {
				runtime.Gosched()
			}
		}
		for {
			r := c.d.Receive(rbufs[:], rinfo[:])
			if r == 0 {
				break
			}
			c.pool.Free(rbufs[:r])
			got += r
		}
	}
}

// processCPU is the CPU time (user+system) of every thread of the process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err) // Linux always supports RUSAGE_SELF
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ccmpAADNonce builds the AAD (24 bytes) and nonce of a non-4-address QoS
// data frame with header length hl (IEEE 802.11-2016 12.5.3.3.3-4).
func ccmpAADNonce(f []byte, hl int, pn uint64, aad []byte, nonce *[13]byte) {
	aad[0], aad[1] = f[0]&0x8f, f[1]&^0x38|0x40
	copy(aad[2:20], f[4:22])
	aad[20], aad[21] = f[22]&0x0f, 0
	aad[22], aad[23] = f[hl-2]&0x0f, 0
	nonce[0] = f[hl-2] & 0x0f
	copy(nonce[1:7], f[10:16])
	for i := range 6 {
		nonce[7+i] = byte(pn >> (40 - 8*i))
	}
}
