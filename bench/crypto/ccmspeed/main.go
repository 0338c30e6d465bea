package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/ccm"
	"github.com/gopkt/gopkt/crypto/soft"
)

func main() {
	mode := flag.String("mode", "do-seal", "do-seal, do-open, batch-seal, batch-open, seal or open")
	size := flag.Int("bytes", 1500, "frame size")
	secs := flag.Float64("seconds", 2, "CPU seconds to run")
	flag.Parse()
	runtime.LockOSThread() // the thread CPU clock must follow the work
	var step func() int
	var err error
	switch *mode {
	case "seal", "open":
		step, err = single(*mode == "open", *size)
	case "do-seal", "do-open":
		step, err = perFrame(*mode == "do-open", *size)
	case "batch-seal", "batch-open":
		step, err = batch(*mode == "batch-open", *size)
	default:
		err = fmt.Errorf("unknown -mode %q: use do-seal, do-open, batch-seal, batch-open, seal or open", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ccmspeed:", err)
		os.Exit(2)
	}
	step() // warm up
	start := cpuTime()
	var bytes int
	for cpuTime()-start < time.Duration(*secs*float64(time.Second)) {
		for range 64 {
			bytes += step()
		}
	}
	fmt.Printf("+F:%s:%.2f\n", *mode, float64(bytes)/(cpuTime()-start).Seconds())
}

// cpuTime is the CPU time the calling thread has used.
func cpuTime() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		panic(err) // Linux always has this clock
	}
	return time.Duration(ts.Nano())
}

// single seals, or opens, one frame in place per step: 16-byte key,
// 13-byte nonce, 22-byte AAD, 8-byte MIC, as CCMP-128.
func single(open bool, size int) (func() int, error) {
	a, err := ccm.New(make([]byte, 16), 8)
	if err != nil {
		return nil, err
	}
	nonce, aad := make([]byte, ccm.NonceSize), make([]byte, 22)
	buf := make([]byte, size+8)
	sealed := a.Seal(nil, nonce, buf[:size], aad)
	if !open {
		return func() int { a.Seal(buf[:0], nonce, buf[:size], aad); return size }, nil
	}
	return func() int {
		copy(buf, sealed)
		if _, err := a.Open(buf[:0], nonce, buf, aad); err != nil {
			panic(err)
		}
		return size
	}, nil
}

// perFrame seals, or opens, one frame in place per step through crypto.Do
// on a software-engine CCMP-128 session: the path net80211's CCMP cipher
// takes for every frame (crypto_aead.go), op set-up included.
func perFrame(open bool, size int) (func() int, error) {
	e := soft.New(soft.Options{})
	s, err := e.NewSession(crypto.CCMP128, make([]byte, 16))
	if err != nil {
		return nil, err
	}
	nonce, aad := make([]byte, 13), make([]byte, 22)
	buf := make([]byte, size+8)
	var op crypto.Op
	do := func(dir crypto.Dir) {
		op = crypto.Op{Dir: dir, Nonce: nonce, AAD: aad, Data: buf[:size], Tag: buf[size:]}
		if err := crypto.Do(s, &op); err != nil {
			panic(err)
		}
	}
	if !open {
		return func() int { do(crypto.Encrypt); return size }, nil
	}
	do(crypto.Encrypt)
	sealed := append([]byte(nil), buf...)
	return func() int {
		copy(buf, sealed)
		do(crypto.Decrypt)
		return size
	}, nil
}

// batch submits 32 frames to the software engine and polls them per step.
func batch(open bool, size int) (func() int, error) {
	const burst = 32
	e := soft.New(soft.Options{})
	s, err := e.NewSession(crypto.CCMP128, make([]byte, 16))
	if err != nil {
		return nil, err
	}
	ops, done := make([]*crypto.Op, burst), make([]*crypto.Op, burst)
	sealed := make([][]byte, burst)
	for i := range ops {
		buf := make([]byte, size+8)
		ops[i] = &crypto.Op{Session: s, Dir: crypto.Encrypt, Nonce: make([]byte, 13), AAD: make([]byte, 22), Data: buf[:size], Tag: buf[size:]}
		ops[i].Nonce[12] = byte(i)
	}
	run := func() int {
		if e.Submit(ops) != burst || e.Poll(done) != burst {
			panic("short batch")
		}
		if done[0].Status != nil {
			panic(done[0].Status)
		}
		return burst * size
	}
	if !open {
		return run, nil
	}
	run()
	for i, op := range ops {
		sealed[i] = append([]byte(nil), op.Data[:size+8]...)
		op.Dir = crypto.Decrypt
	}
	return func() int {
		for i, op := range ops {
			copy(op.Data[:size+8], sealed[i])
		}
		return run()
	}, nil
}
