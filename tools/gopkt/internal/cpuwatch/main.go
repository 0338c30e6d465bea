// Command cpuwatch runs beside a VM-lane scenario in the guest and reports,
// by the guest's CLOCK_MONOTONIC, the moments the guest did not do what it
// should have: it tells a guest that does not run (a vCPU the host does not
// schedule) from a guest that runs but does not serve a NIC.
//
//	cpuwatch [--period 10ms] [--late 30ms] [--quiet 150ms] IFACE...
//
// One thread pinned to each online CPU sleeps 10 ms at a time (nanosleep on
// the locked thread, so the kernel's hrtimer wakes it on its CPU) and
// prints "CW late cpu N at T ms: X ms" when a sleep ended more than --late
// after it should have: that CPU ran nothing of the guest's for X ms. A
// sampler reads, every --period, each IFACE's rx/tx packet counters
// (/sys/class/net) and its interrupt counts per CPU (/proc/interrupts, the
// lines that name it) and prints "CW quiet IFACE ..." when its receive
// counter stood still for at least --quiet and then moved: the span, the
// per-CPU interrupts at either end, and how late the sampler itself woke
// in it (a sampler that ran on time through a quiet span saw a running
// guest whose NIC received nothing). It runs until killed. Its first line,
// "CW clock realtime R ns monotonic M ms", places its reports among
// timestamps taken by CLOCK_REALTIME (a pcap's).
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"
)

func main() {
	period := pflag.Duration("period", 10*time.Millisecond, "sampling period of the NIC counters")
	late := pflag.Duration("late", 30*time.Millisecond, "report a CPU whose 10 ms sleep ended this much late")
	quiet := pflag.Duration("quiet", 150*time.Millisecond, "report a NIC whose receive counter stood still this long")
	pflag.Parse()
	m0 := mono()
	fmt.Printf("CW clock realtime %d ns monotonic %d ms\n", time.Now().UnixNano(), (m0+mono())/2)
	for cpu := range runtime.NumCPU() {
		go heartbeat(cpu, *late)
	}
	type state struct {
		rx, tx     uint64
		irqs       []uint64
		since      int64 // ms: when rx last moved
		sinceIRQs  []uint64
		sinceTx    uint64
		maxLate    int64 // the sampler's largest oversleep since then
		haveSample bool
	}
	ifs := pflag.Args()
	st := make([]state, len(ifs))
	last := mono()
	for {
		time.Sleep(*period)
		now := mono()
		over := now - last - period.Milliseconds()
		last = now
		for i, name := range ifs {
			s := &st[i]
			rx := counter(name, "rx_packets")
			tx := counter(name, "tx_packets")
			irqs := interrupts(name)
			if !s.haveSample {
				*s = state{rx: rx, tx: tx, irqs: irqs, since: now, sinceIRQs: irqs, sinceTx: tx, haveSample: true}
				continue
			}
			if rx != s.rx {
				if span := now - s.since; span >= quiet.Milliseconds() {
					fmt.Printf("CW quiet %s from %d to %d ms (%d ms): rx +%d tx +%d in it; irqs per cpu %v then %v; sampler late up to %d ms\n",
						name, s.since, now, span, rx-s.rx, tx-s.sinceTx, s.sinceIRQs, irqs, s.maxLate)
				}
				s.since, s.sinceIRQs, s.sinceTx, s.maxLate = now, irqs, tx, 0
			}
			s.maxLate = max(s.maxLate, over)
			s.rx, s.tx, s.irqs = rx, tx, irqs
		}
	}
}

// mono is CLOCK_MONOTONIC in ms: what Linux's TCP timestamps count with
// net.ipv4.tcp_timestamps=2 (no per-connection offset).
func mono() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano() / 1e6
}

func heartbeat(cpu int, late time.Duration) {
	runtime.LockOSThread()
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		fmt.Fprintf(os.Stderr, "cpuwatch: cpu %d: %v\n", cpu, err)
		return
	}
	req := unix.NsecToTimespec(int64(10 * time.Millisecond))
	for {
		t0 := mono()
		_ = unix.Nanosleep(&req, nil)
		if d := mono() - t0 - 10; d > late.Milliseconds() {
			fmt.Printf("CW late cpu %d at %d ms: %d ms\n", cpu, t0, d)
		}
	}
}

func counter(ifname, name string) uint64 {
	b, _ := os.ReadFile("/sys/class/net/" + ifname + "/statistics/" + name)
	n, _ := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	return n
}

// interrupts sums, per CPU, the /proc/interrupts lines that name ifname.
func interrupts(ifname string) []uint64 {
	b, _ := os.ReadFile("/proc/interrupts")
	lines := strings.Split(string(b), "\n")
	if len(lines) == 0 {
		return nil
	}
	ncpu := len(strings.Fields(lines[0]))
	sum := make([]uint64, ncpu)
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < ncpu+2 || f[len(f)-1] != ifname {
			continue
		}
		for c := range ncpu {
			n, _ := strconv.ParseUint(f[1+c], 10, 64)
			sum[c] += n
		}
	}
	return sum
}
