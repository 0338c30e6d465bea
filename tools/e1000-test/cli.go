package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/gopkt/gopkt/vfio"
	"github.com/spf13/pflag"
)

// command is one sub-command.
type command struct {
	name  string
	args  string // usage of the positional arguments
	help  string
	nargs [2]int // min, max positional arguments (max -1: any)
	flags func(fs *pflag.FlagSet) func(c *ctx) error
}

// igbCommand reports whether command name runs on 82576 (drivers/igb)
// ports.
func igbCommand(name string) bool {
	switch name {
	case "pktgen", "rx", "fwd", "loop", "rss":
		return true
	}
	return false
}

// ctx is what a command runs with.
type ctx struct {
	s     *session
	out   io.Writer
	stop  <-chan struct{} // closed on SIGINT
	clock func() time.Time
}

var commands = []command{
	{"info", "ADDR...", "model, MAC, link, EEPROM checksum, offloads", [2]int{1, -1}, infoFlags},
	{"regs", "ADDR", "named register dump", [2]int{1, 1}, regsFlags},
	{"eeprom", "ADDR", "EEPROM words and checksum", [2]int{1, 1}, eepromFlags},
	{"selftest", "ADDR...", "register, EEPROM, interrupt and link tests", [2]int{1, -1}, selftestFlags},
	{"pktgen", "ADDR", "transmit test frames", [2]int{1, 1}, pktgenFlags},
	{"rx", "ADDR", "receive, count and verify frames", [2]int{1, 1}, rxFlags},
	{"fwd", "ADDR0 ADDR1", "forward between two ports (both ways)", [2]int{2, 2}, fwdFlags},
	{"offload", "ADDR", "send checksum-offload and TSO packets (check them in a capture)", [2]int{1, 1}, offloadFlags},
	{"loop", "ADDR0 ADDR1", "send numbered frames from ADDR0 to ADDR1 and check them", [2]int{2, 2}, loopFlags},
	{"rss", "ADDR", "82576: each received flow's device hash and queue against the Toeplitz hash computed here", [2]int{1, 1}, rssFlags},
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: e1000-test COMMAND [flags] ADDR...")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %-12s %s\n", c.name, c.args, c.help)
	}
	fmt.Fprintln(w, "run 'e1000-test COMMAND --help' for the command's flags")
}

func run(args []string, stdout, stderr io.Writer, open opener) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	var cmd *command
	for i := range commands {
		if commands[i].name == args[0] {
			cmd = &commands[i]
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "e1000-test: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	fs := pflag.NewFlagSet("e1000-test "+cmd.name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.mode, "mode", "poll", "data path mode: poll, interrupt or adaptive (82576: rx polls while frames come and, with interrupt or adaptive, sleeps on the queue's MSI-X vector when its ring is empty)")
	fs.IntVar(&o.mtu, "mtu", 1500, "MTU (up to 9000; frames over 2048 bytes are chained)")
	fs.IntVar(&o.rxDescs, "rx-descs", 512, "RX ring size (power of two, 64 to 4096)")
	fs.IntVar(&o.txDescs, "tx-descs", 512, "TX ring size (power of two, 64 to 4096)")
	fs.IntVar(&o.rxRefill, "rx-refill", 0, "RX descriptors taken back before a refill and one RDT write (0: a quarter of the ring)")
	fs.IntVar(&o.buffers, "buffers", 8192, "mbufs in the shared pool")
	fs.BoolVar(&o.vlan, "vlan", false, "enable VLAN strip/insert (CTRL.VME)")
	fs.BoolVar(&o.promisc, "promisc", false, "receive every frame")
	fs.DurationVar(&o.itr, "itr", 128*time.Microsecond, "minimum interval between interrupts")
	fs.BoolVar(&o.verbose, "verbose", false, "log driver events")
	cpuProfile := fs.String("cpuprofile", "", "write a Go CPU profile of the command to this file (where the time goes)")
	vfioFlag := fs.String("vfio", "auto", "VFIO interface: auto (iommufd when the kernel offers it, else the group API), iommufd or group")
	fs.IntVar(&o.queues, "queues", 1, "queue pairs of an 82576 (igb: pktgen, rx, fwd, loop), a goroutine each; RSS spreads received flows over them")
	body := cmd.flags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		return 2
	}
	var err error
	if o.backend, err = vfio.ParseBackend(*vfioFlag); err != nil {
		fmt.Fprintf(stderr, "e1000-test %s: --vfio: %v\n", cmd.name, err)
		return 2
	}
	pos := fs.Args()
	if len(pos) < cmd.nargs[0] || cmd.nargs[1] >= 0 && len(pos) > cmd.nargs[1] {
		fmt.Fprintf(stderr, "e1000-test %s: want %s, got %d argument(s)\n", cmd.name, cmd.args, len(pos))
		return 2
	}
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	s, err := openSession(open, pos, o, stdout, log)
	if err != nil {
		fmt.Fprintf(stderr, "e1000-test %s: %v\n", cmd.name, err)
		return 1
	}
	if len(s.igbs) > 0 && (!igbCommand(cmd.name) || len(s.igbs) != len(pos)) {
		fmt.Fprintf(stderr, "e1000-test %s: 82576 (igb) ports run pktgen, rx, fwd, loop and rss, every port an 82576\n", cmd.name)
		_ = s.close()
		return 2
	}
	stop := make(chan struct{})
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	go func() {
		if _, ok := <-sig; ok {
			close(stop)
		}
	}()
	var prof *os.File
	if *cpuProfile != "" {
		if prof, err = os.Create(*cpuProfile); err == nil {
			err = pprof.StartCPUProfile(prof)
		}
		if err != nil {
			fmt.Fprintf(stderr, "e1000-test %s: --cpuprofile: %v\n", cmd.name, err)
		}
	}
	err = body(&ctx{s: s, out: stdout, stop: stop, clock: time.Now})
	if prof != nil {
		pprof.StopCPUProfile()
		_ = prof.Close()
	}
	signal.Stop(sig)
	close(sig)
	if cerr := s.close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "e1000-test %s: %v\n", cmd.name, err)
		return 1
	}
	return 0
}

// stopped reports whether the user interrupted.
func (c *ctx) stopped() bool {
	select {
	case <-c.stop:
		return true
	default:
		return false
	}
}

// coarse reads the clock only every n calls: in a TCG guest without a
// usable TSC a clock read traps into the emulated HPET, which costs more
// than a whole burst of packets.
type coarse struct {
	read func() time.Time
	n, i int
	t    time.Time
}

func newCoarse(read func() time.Time, n int) *coarse {
	return &coarse{read: read, n: n, i: n}
}

func (c *coarse) now() time.Time {
	if c.i >= c.n {
		c.i = 0
		c.t = c.read()
	}
	c.i++
	return c.t
}

// ticker prints one line per second of a long-running command.
type ticker struct {
	next  time.Time
	start time.Time
	last  time.Time
	prev  [2]uint64 // frames, bytes at the last line
}

func newTicker(now time.Time) *ticker {
	return &ticker{start: now, last: now, next: now.Add(time.Second)}
}

// due reports whether a line is due and, if so, the rates since the last.
func (t *ticker) due(now time.Time, frames, bytes uint64) (bool, float64, float64) {
	if now.Before(t.next) {
		return false, 0, 0
	}
	dt := now.Sub(t.last).Seconds()
	pps := float64(frames-t.prev[0]) / dt
	// Bit rate on the wire counts FCS, preamble and gap: 24 bytes a frame.
	bps := float64(bytes-t.prev[1]+24*(frames-t.prev[0])) * 8 / dt
	t.prev = [2]uint64{frames, bytes}
	t.last = now
	t.next = now.Add(time.Second)
	return true, pps, bps
}

func rate(pps, bps float64) string {
	return fmt.Sprintf("%10.0f pps %9.2f Mbit/s", pps, bps/1e6)
}

func macString(m [6]byte) string {
	parts := make([]string, 6)
	for i, b := range m {
		parts[i] = fmt.Sprintf("%02x", b)
	}
	return strings.Join(parts, ":")
}
