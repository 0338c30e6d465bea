package main

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/vfio"
)

// modelOpener opens e1000 device models instead of VFIO devices. The
// address names the model ("82540EM", "82544GC", "82545EM", "82574L").
func modelOpener(t *testing.T, setup func(ports []*e1000test.Port)) opener {
	return func(addrs []string, _ uint64, _ vfio.Backend, _ *slog.Logger) ([]pci.Function, dma.Allocator, func() error, error) {
		bus := e1000test.NewBus()
		ids := map[string]pci.ID{"82540EM": e1000test.ID82540EM, "82544GC": e1000test.ID82544GC,
			"82545EM": e1000test.ID82545EM, "82574L": e1000test.ID82574L}
		var fns []pci.Function
		var ports []*e1000test.Port
		for i, a := range addrs {
			p := e1000test.NewPort(bus, e1000test.Options{ID: ids[a], MAC: [6]byte{2, 0, 0, 0, 0, byte(i + 1)}})
			ports = append(ports, p)
			fns = append(fns, p.Function())
		}
		if setup != nil {
			setup(ports)
		}
		return fns, bus.Memory(), func() error {
			err := bus.Close()
			if n := bus.Space().Mappings(); n != 0 {
				t.Errorf("%d DMA mappings left", n)
			}
			return err
		}, nil
	}
}

func runTool(t *testing.T, open opener, args ...string) (string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb, open)
	return out.String() + errb.String(), code
}

func TestCommands(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want []string // regexps the output must match
	}{
		{[]string{"info", "82540EM", "82574L"}, 0, []string{`82540EM \(8086:100e`, `mac +02:00:00:00:00:01`, `link +up 1000 Mb/s full-duplex`, `checksum ok`, `(?s)82574L .*rx-ipcsum`, `pool: 8192/8192 buffers free`}},
		{[]string{"regs", "82545EM"}, 0, []string{`RCTL +0x0100 +0x04008002`, `RAH0 +0x5404 +0x80000100`}},
		{[]string{"eeprom", "82544GC"}, 0, []string{`00: 0002 0000 0100`, `checksum 0xbaba \(want 0xbaba\): ok`}},
		{[]string{"selftest", "82540EM", "82544GC", "82545EM", "82574L"}, 0, []string{`82574L|0000:00:05.0 interrupt +PASS`, `selftest: PASS`}},
		{[]string{"pktgen", "--count", "1000", "--size", "60", "--duration", "0", "82540EM"}, 0, []string{`sent 1000 frames of 60 bytes`}},
		{[]string{"loop", "--count", "3000", "--mtu", "9000", "--jumbo", "82545EM", "82574L"}, 0, []string{`sent 3000 received 3000 lost 0 corrupt 0 duplicated 0 reordered 0`, `loop: PASS`, `pool: 8192/8192`}},
		{[]string{"loop", "--count", "500", "--sizes", "1514", "82544GC", "82540EM"}, 0, []string{`received 500 lost 0`}},
		{[]string{"fwd", "--duration", "200ms", "82540EM", "82540EM"}, 0, []string{`fwd: forwarded 0 frames`}},
		{[]string{"rx", "--duration", "100ms", "82540EM"}, 0, []string{`rx: received 0 frames`}},
		{[]string{"loop", "--jumbo", "82540EM", "82540EM"}, 1, []string{`--jumbo needs --mtu 9000`}},
		{[]string{"pktgen", "--dst", "nonsense", "82540EM"}, 1, []string{`not a MAC address`}},
		{[]string{"loop", "82540EM"}, 2, []string{`want ADDR0 ADDR1`}},
		{[]string{"frobnicate"}, 2, []string{`unknown command`}},
		{[]string{"info", "--mode", "fast", "82540EM"}, 1, []string{`--mode "fast"`}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, code := runTool(t, modelOpener(t, nil), tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, out)
			}
			for _, w := range tc.want {
				if !regexp.MustCompile(w).MatchString(out) {
					t.Errorf("output does not match %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestRxAndPktgenAcrossPorts runs rx on a port fed by a generator.
func TestRxVerifiesFrames(t *testing.T) {
	frame := make([]byte, 100)
	e1000test.FillLoop(frame, [6]byte{2, 0, 0, 0, 0, 1}, [6]byte{2}, 5)
	open := modelOpener(t, func(p []*e1000test.Port) { p[0].SetSource(frame) })
	out, code := runTool(t, open, "rx", "--count", "5000", "--duration", "0", "82540EM")
	if code != 0 || !regexp.MustCompile(`received 5\d\d\d frames .*loop ok 5\d\d\d, corrupt 0`).MatchString(out) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	bad := append([]byte(nil), frame...)
	bad[60] ^= 1
	open = modelOpener(t, func(p []*e1000test.Port) { p[0].SetSource(bad) })
	out, code = runTool(t, open, "rx", "--count", "100", "--duration", "0", "82540EM")
	if code != 1 || !strings.Contains(out, "corrupt frames received") {
		t.Fatalf("corrupt source: exit %d:\n%s", code, out)
	}
}

// TestLoopSurvivesLinkFlap takes port 1's link down and up while loop runs.
func TestLoopSurvivesLinkFlap(t *testing.T) {
	open := modelOpener(t, func(p []*e1000test.Port) {
		go func() {
			// Flap once traffic flows (not at a fixed time, which a fast or
			// a loaded machine can miss), and come back before the loop's
			// 200 000 frames can be done.
			deadline := time.Now().Add(10 * time.Second)
			for p[1].Counts().RxFrames < 1000 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			p[1].SetLink(false)
			time.Sleep(100 * time.Millisecond)
			p[1].SetLink(true)
		}()
	})
	out, code := runTool(t, open, "loop", "--count", "200000", "--allow-loss", "--stall", "50ms", "--sizes", "60", "82540EM", "82540EM")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	// The flap is seen as its down state, or, when it was shorter than
	// the loop's look at the link (a loaded machine), counted from the
	// driver's link changes.
	for _, w := range []string{`port 1 link (down|up .* after [2-9] changes since the last look)`, `port 1 link up 1000`, `corrupt 0 duplicated 0 reordered 0`, `loop: PASS`, `pool: 8192/8192`, `link changes [2-9]\b`} {
		if !regexp.MustCompile(w).MatchString(out) {
			t.Errorf("missing %q:\n%s", w, out)
		}
	}
}
