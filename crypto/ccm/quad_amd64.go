//go:build amd64 && !purego

package ccm

import (
	"bytes"
	"sync"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// quadKeys holds two pairs of interleaved key schedules: row r of k12 is
// round key r of message 1 then of message 2 (the layout seal4Asm loads as
// one 256-bit operand). k34 must start 480 bytes after k12.
type quadKeys struct {
	k12, k34 [15][32]byte
}

// quadState is the four messages' CBC-MAC values, counter blocks and
// look-ahead keystream blocks, laid out for 256-bit loads.
type quadState struct {
	x, ctr, ks [4][16]byte
}

//go:noescape
func seal4Asm(nr int, keys *quadKeys, st *quadState, p1, p2, p3, p4 *byte, n int)

//go:noescape
func open4Asm(nr int, keys *quadKeys, st *quadState, p1, p2, p3, p4 *byte, n int)

func cpuid7ecx() uint32

// cpuVAES reports VAES on 256-bit registers (CPUID.(EAX=7,ECX=0):ECX bit
// 9) together with AVX2, which also tells us the OS saves YMM state.
// golang.org/x/sys/cpu only reports VAES on AVX-512 machines.
func cpuVAES() bool { return cpu.X86.HasAVX2 && haveAsm() && cpuid7ecx()&(1<<9) != 0 }

var vaesCheck struct {
	once sync.Once
	ok   bool
}

// haveVAES reports whether the four-lane path may run: the CPU says VAES
// (cpuVAES) and, checked once per process, the path gives this machine the
// one-message path's ciphertexts, tags and plaintexts (vaesWorks). The
// check is there because an emulator can advertise VAES and get it wrong:
// QEMU 7.2's TCG (Debian 12's qemu-system and qemu-user, -cpu max) returns
// wrong four-lane results for some messages, which in a guest made 5-10 %
// of CCMP frames fail their MIC; QEMU 10 gets them right.
func haveVAES() bool {
	vaesCheck.once.Do(func() { vaesCheck.ok = cpuVAES() && vaesWorks() })
	return vaesCheck.ok
}

// vaesWorks runs four messages of different lengths (whole and partial
// blocks, different AAD lengths) through the four-lane seal and open and
// compares every byte with the one-message path.
func vaesWorks() bool {
	var a [4]*AEAD
	var m [4]*Msg
	var want [4][]byte
	for i, n := range [4]int{1504, 1500, 97, 33} {
		key := make([]byte, 16)
		for k := range key {
			key[k] = byte(17*i + 31*k + 1)
		}
		x := &AEAD{tagSize: 8, asm: true, vaes: true}
		x.nr = expandKey(key, &x.xk)
		a[i] = x
		nonce := make([]byte, NonceSize)
		for k := range nonce {
			nonce[k] = byte(5*i + k)
		}
		aad := make([]byte, 22+2*i)
		for k := range aad {
			aad[k] = byte(3*i + 7*k)
		}
		data := make([]byte, n, n+8)
		for k := range data {
			data[k] = byte(i + 13*k)
		}
		want[i] = x.Seal(nil, nonce, data, aad)
		m[i] = &Msg{Nonce: nonce, AAD: aad, Data: data, Tag: data[n : n+8]}
	}
	for _, e := range quad(&a, &m, false, true) {
		if e != nil {
			return false
		}
	}
	for i := range m {
		if !bytes.Equal(m[i].Data[:len(m[i].Data)+8], want[i]) {
			return false
		}
	}
	for _, e := range quad(&a, &m, true, true) {
		if e != nil {
			return false
		}
	}
	for i := range m {
		for k, b := range m[i].Data {
			if b != byte(i+13*k) {
				return false
			}
		}
	}
	return true
}

// quadable reports whether the four-lane assembly can run a's messages:
// all four AEADs found VAES when they were created and have the same
// number of rounds.
func quadable(a *[4]*AEAD, vaes bool) bool {
	if !vaes {
		return false
	}
	for _, x := range a {
		if !x.vaes || x.nr != a[0].nr {
			return false
		}
	}
	return true
}

func (k *quadKeys) build(a *[4]*AEAD) {
	n := 16 * (a[0].nr + 1)
	for r := 0; r < n; r += 16 {
		copy(k.k12[r/16][:16], a[0].xk[r:r+16])
		copy(k.k12[r/16][16:], a[1].xk[r:r+16])
		copy(k.k34[r/16][:16], a[2].xk[r:r+16])
		copy(k.k34[r/16][16:], a[3].xk[r:r+16])
	}
}

// quadRun runs the first blocks*16 bytes of four messages through the
// four-lane loop, moving their states in and out.
func quadRun(open bool, a *[4]*AEAD, st *[4]state, ks *[4][16]byte, m *[4]*Msg, blocks int) {
	var k quadKeys
	var q quadState
	k.build(a)
	for i := range st {
		q.x[i], q.ctr[i] = st[i].x, st[i].ctr
	}
	p := [4]*byte{unsafe.SliceData(m[0].Data), unsafe.SliceData(m[1].Data), unsafe.SliceData(m[2].Data), unsafe.SliceData(m[3].Data)}
	if open {
		open4Asm(a[0].nr, &k, &q, p[0], p[1], p[2], p[3], blocks)
	} else {
		seal4Asm(a[0].nr, &k, &q, p[0], p[1], p[2], p[3], blocks)
	}
	for i := range st {
		st[i].x, st[i].ctr = q.x[i], q.ctr[i]
	}
	*ks = q.ks
	clear(k.k12[:])
	clear(k.k34[:])
}
