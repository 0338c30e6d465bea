package main

import (
	"fmt"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/crypto/ccm"
)

func cpu() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

func main() {
	runtime.LockOSThread()
	k, _ := ccm.New(make([]byte, 16), 8)
	a := [4]*ccm.AEAD{k, k, k, k}
	var m [4]*ccm.Msg
	for j := range m {
		m[j] = &ccm.Msg{Nonce: make([]byte, 13), AAD: make([]byte, 22), Data: make([]byte, 1500), Tag: make([]byte, 8)}
	}
	for _, mode := range []string{"quad", "pair", "single", "quad", "pair"} {
		st := cpu()
		n := 0
		for cpu()-st < time.Second {
			for range 100 {
				switch mode {
				case "quad":
					ccm.SealQuad(&a, &m)
				case "pair":
					ccm.SealPair(k, m[0], k, m[1])
					ccm.SealPair(k, m[2], k, m[3])
				case "single":
					for j := range m {
						k.SealDetached(m[j].Data, m[j].Tag, m[j].Nonce, m[j].Data, m[j].AAD)
					}
				}
				n += 6000
			}
		}
		fmt.Printf("%s %.3f GB/s\n", mode, float64(n)/(cpu()-st).Seconds()/1e9)
	}
}
