package bench

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// With GOPKT_BENCH_TRACE=FILE the guest runs under QEMU's
// memory_region_ops_read/write trace events (log backend, -D FILE): every
// register access of the guest is a line naming the region ("igb-mmio") and
// offset. The script reads I/O port 0x80 once before each section (a
// marker: region "ioport80"), so the trace splits into the sections in
// script order, and mmioTable counts each section's accesses to NIC 0's
// registers per frame: TDT and RDT writes (the doorbells), other writes and
// reads. Tracing slows everything down many times: the rates of a traced
// run mean nothing, the accesses per frame are the point.

// traceArgs are QEMU's arguments for the trace.
func traceArgs(file string) []string {
	return []string{"-trace", "enable=memory_region_ops_read", "-trace", "enable=memory_region_ops_write", "-D", file}
}

// mmioCounts are one section's accesses to one device's registers.
type mmioCounts struct {
	tdt, rdt, writes, reads uint64
}

var traceLine = regexp.MustCompile(`memory_region_ops_(read|write) cpu \d+ mr (0x[0-9a-f]+) addr (0x[0-9a-f]+) value 0x[0-9a-f]+ size \d+ name '([^']*)'`)

// splitTrace reads the trace and counts, per section (the accesses after
// the i-th marker belong to section order[i]), the register accesses of NIC
// 0: the igb region of the first access other than a TDT write in a
// driver's section (the RX source on NIC 3 writes only TDT meanwhile, and
// every driver starts by resetting NIC 0).
func splitTrace(file string, order []string) ([]mmioCounts, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []mmioCounts
	nic0 := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		m := traceLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		if m[4] == "ioport80" {
			if m[1] == "read" {
				out = append(out, mmioCounts{})
			}
			continue
		}
		if m[4] != "igb-mmio" || len(out) == 0 {
			continue
		}
		// QEMU prints the guest-physical address; BAR 0 is 128 KiB,
		// naturally aligned.
		a, _ := strconv.ParseUint(m[3], 0, 64)
		off := a & 0x1ffff
		tdt := m[1] == "write" && isQueueReg(off, 0xE018, 0x3818)
		if nic0 == "" && !tdt && len(out) <= len(order) && (strings.HasPrefix(order[len(out)-1], "ours-") || strings.HasPrefix(order[len(out)-1], "dpdk-")) {
			nic0 = m[2]
		}
		if m[2] != nic0 {
			continue
		}
		c := &out[len(out)-1]
		if m[1] == "read" {
			c.reads++
			continue
		}
		switch {
		case tdt:
			c.tdt++
		case isQueueReg(off, 0xC018, 0x2818):
			c.rdt++
		default:
			c.writes++
		}
	}
	return out, sc.Err()
}

// isQueueReg reports whether off is the queue register reg (0xC018 RDT,
// 0xE018 TDT, 0x40 apart for queues 0-15) or its 8254x alias (0x2818,
// 0x3818, 0x100 apart for queues 0-3, which DPDK's igb PMD uses).
func isQueueReg(off, reg, alias uint64) bool {
	return off >= reg && off < reg+16*0x40 && (off-reg)%0x40 == 0 ||
		off >= alias && off < alias+4*0x100 && (off-alias)%0x100 == 0
}

// sectionFrames is the frames NIC 0 moved in one section, from the
// console: e1000-test's summary, or testpmd's accumulated statistics.
func sectionFrames(name string, lines []string) uint64 {
	var re string
	switch {
	case strings.HasPrefix(name, "ours-tx"):
		re = `pktgen: sent (\d+) frames`
	case strings.HasPrefix(name, "ours-rx"):
		re = `rx: received (\d+) frames`
	case strings.HasPrefix(name, "ours-fwd"):
		// Forwarded both ways: each frame crosses port 0 once
		// (received there, or sent there).
		re = `fwd: forwarded (\d+) frames`
	}
	if strings.HasPrefix(name, "dpdk-") {
		// The port-0 block: RX-packets on the next line, TX-packets
		// on the one after.
		for i, l := range lines {
			if !strings.Contains(l, "Forward statistics for port 0") || i+2 >= len(lines) {
				continue
			}
			rx := firstNumber(lines[i+1], `RX-packets: +(\d+)`)
			tx := firstNumber(lines[i+2], `TX-packets: +(\d+)`)
			switch {
			case strings.HasPrefix(name, "dpdk-tx"):
				return tx
			case strings.HasPrefix(name, "dpdk-rx"):
				return rx
			default:
				return rx + tx // both directions cross port 0
			}
		}
		return 0
	}
	var n uint64
	for _, l := range lines {
		if v := firstNumber(l, re); v > 0 {
			n = v
		}
	}
	return n
}

func firstNumber(l, re string) uint64 {
	m := regexp.MustCompile(re).FindStringSubmatch(l)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseUint(m[1], 10, 64)
	return v
}

// mmioTable prints the accesses per 1000 frames of each section.
func mmioTable(order []string, sec map[string][][]string, counts []mmioCounts) string {
	if len(counts) != len(order) {
		return fmt.Sprintf("trace: %d markers for %d sections: the trace does not line up\n", len(counts), len(order))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "NIC 0 register accesses per 1000 frames (QEMU trace; setup and statistics included)\n")
	fmt.Fprintf(&b, "%-14s %10s %8s %8s %8s %8s\n", "section", "frames", "TDT", "RDT", "other-wr", "reads")
	seen := map[string]int{}
	for i, name := range order {
		if !strings.HasPrefix(name, "ours-") && !strings.HasPrefix(name, "dpdk-") {
			continue
		}
		r := seen[name]
		seen[name]++
		if r >= len(sec[name]) {
			continue
		}
		fr := sectionFrames(name, sec[name][r])
		c := counts[i]
		per := func(v uint64) string {
			if fr == 0 {
				return "-"
			}
			return fmt.Sprintf("%.1f", float64(v)*1000/float64(fr))
		}
		fmt.Fprintf(&b, "%-14s %10d %8s %8s %8s %8s\n", name, fr, per(c.tdt), per(c.rdt), per(c.writes), per(c.reads))
	}
	return b.String()
}
