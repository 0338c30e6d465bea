package bpf

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	xbpf "golang.org/x/net/bpf"

	"github.com/gopkt/gopkt/internal/hosttest"
)

func mustCompile(t testing.TB, expr string) []xbpf.Instruction {
	t.Helper()
	prog, err := Compile(expr, LinkEthernet, 0)
	if err != nil {
		t.Fatalf("Compile(%q): %v", expr, err)
	}
	return prog
}

// TestCompileExact pins the code of simple expressions instruction by
// instruction (the same code libpcap emits, modulo its optimiser).
func TestCompileExact(t *testing.T) {
	tests := []struct {
		expr string
		want []xbpf.Instruction
	}{
		{"", []xbpf.Instruction{xbpf.RetConstant{Val: DefaultSnaplen}}},
		{"ip proto 17", []xbpf.Instruction{
			xbpf.LoadAbsolute{Off: 12, Size: 2},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 0x800, SkipTrue: 0, SkipFalse: 3},
			xbpf.LoadAbsolute{Off: 23, Size: 1},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 17, SkipTrue: 0, SkipFalse: 1},
			xbpf.RetConstant{Val: DefaultSnaplen},
			xbpf.RetConstant{Val: 0},
		}},
		{"less 100", []xbpf.Instruction{
			xbpf.LoadExtension{Num: xbpf.ExtLen},
			xbpf.JumpIf{Cond: xbpf.JumpGreaterThan, Val: 100, SkipTrue: 1, SkipFalse: 0},
			xbpf.RetConstant{Val: DefaultSnaplen},
			xbpf.RetConstant{Val: 0},
		}},
		{"ether src 01:02:03:04:05:06", []xbpf.Instruction{
			xbpf.LoadAbsolute{Off: 8, Size: 4},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 0x03040506, SkipTrue: 0, SkipFalse: 3},
			xbpf.LoadAbsolute{Off: 6, Size: 2},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 0x0102, SkipTrue: 0, SkipFalse: 1},
			xbpf.RetConstant{Val: DefaultSnaplen},
			xbpf.RetConstant{Val: 0},
		}},
		// IPv6 first (any miss falls through to the IPv4 part), then IPv4
		// with the fragment test and the ldxb idiom. Repeated loads of the
		// same byte are dropped (dropRedundantLoads), as in libpcap.
		{"src port 53", []xbpf.Instruction{
			xbpf.LoadAbsolute{Off: 12, Size: 2},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 0x86dd, SkipTrue: 0, SkipFalse: 6},
			xbpf.LoadAbsolute{Off: 20, Size: 1},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 132, SkipTrue: 2, SkipFalse: 0},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 6, SkipTrue: 1, SkipFalse: 0},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 17, SkipTrue: 0, SkipFalse: 2},
			xbpf.LoadAbsolute{Off: 54, Size: 2},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 53, SkipTrue: 11, SkipFalse: 0},
			xbpf.LoadAbsolute{Off: 12, Size: 2},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 0x800, SkipTrue: 0, SkipFalse: 10},
			xbpf.LoadAbsolute{Off: 23, Size: 1},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 132, SkipTrue: 2, SkipFalse: 0},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 6, SkipTrue: 1, SkipFalse: 0},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 17, SkipTrue: 0, SkipFalse: 6},
			xbpf.LoadAbsolute{Off: 20, Size: 2},
			xbpf.JumpIf{Cond: xbpf.JumpBitsSet, Val: 0x1fff, SkipTrue: 4, SkipFalse: 0},
			xbpf.LoadMemShift{Off: 14},
			xbpf.LoadIndirect{Off: 14, Size: 2},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 53, SkipTrue: 0, SkipFalse: 1},
			xbpf.RetConstant{Val: DefaultSnaplen},
			xbpf.RetConstant{Val: 0},
		}},
		// Both EtherType tests share one load.
		{"arp or rarp", []xbpf.Instruction{
			xbpf.LoadAbsolute{Off: 12, Size: 2},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 0x806, SkipTrue: 1, SkipFalse: 0},
			xbpf.JumpIf{Cond: xbpf.JumpEqual, Val: 0x8035, SkipTrue: 0, SkipFalse: 1},
			xbpf.RetConstant{Val: DefaultSnaplen},
			xbpf.RetConstant{Val: 0},
		}},
	}
	for _, tt := range tests {
		got := mustCompile(t, tt.expr)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Compile(%q):\n got %v\nwant %v", tt.expr, got, tt.want)
		}
	}
}

// TestCompileRuns checks every corpus expression against every corpus
// frame with both x/net/bpf's VM and our Program: they must agree.
func TestCompileRuns(t *testing.T) {
	frames := corpus()
	for _, expr := range exprs {
		prog := mustCompile(t, expr)
		vm, err := xbpf.NewVM(prog)
		if err != nil {
			t.Fatalf("%q: NewVM: %v", expr, err)
		}
		p, err := NewProgram(prog)
		if err != nil {
			t.Fatalf("%q: NewProgram: %v", expr, err)
		}
		for _, f := range frames {
			want, err := vm.Run(f.b)
			if err != nil {
				t.Fatalf("%q on %s: VM: %v", expr, f.name, err)
			}
			if got := p.Run(f.b); int(got) != want {
				t.Errorf("%q on %s: Program %d, VM %d", expr, f.name, got, want)
			}
		}
	}
}

// TestCompileSpotChecks states, for a few expressions, which corpus frames
// must match, independently of any other implementation.
func TestCompileSpotChecks(t *testing.T) {
	tests := []struct {
		expr string
		want []string
	}{
		{"port 53", []string{"udp 1:40000→2:53", "udp 2:53→1:40000", "udp first fragment", "ipv6 udp →53", "ipv6 other net"}},
		{"src net 2001:db9::/32", []string{"ipv6 other net"}},
		{"ether multicast and not ether broadcast", []string{"lldp", "ether only", "multicast mac"}}, // ether only: dst 01:02:…
		{"vlan 100 and udp port 53", []string{"vlan 100 udp →53"}},
		{"tcp port 443", []string{"tcp opts 4:443→1:5000"}},
		{"arp host 198.18.0.2", []string{"arp request", "arp reply"}},
		{"net 198.19.0.0/16", []string{"rarp", "udp 3:6000→4:6010", "tcp 3:1234→4:80", "tcp opts 4:443→1:5000", "truncated tcp", "big udp"}},
		{"udp portrange 6005-6010", []string{"udp 3:6000→4:6010"}},
		{"less 59", []string{"truncated ipv4", "truncated tcp", "ether only"}},
	}
	frames := corpus()
	for _, tt := range tests {
		p, err := NewProgram(mustCompile(t, tt.expr))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range frames {
			if p.Run(f.b) != 0 {
				got = append(got, f.name)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q matched %q, want %q", tt.expr, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		expr string
		want error
		off  int
	}{
		{"host", ErrSyntax, 4},
		{"host 198.18.0.1 198.18.0.2", ErrSyntax, 16},
		{"(udp", ErrSyntax, 4},
		{"udp)", ErrSyntax, 3},
		{"port 70000", ErrSyntax, 5},
		{"portrange 10", ErrSyntax, 10},
		{"host example.com", ErrNotSupported, 5},
		{"host fe80::1%eth0", ErrNotSupported, 5},
		{"arp host 2001:db8::1", ErrSyntax, 9},
		{"ip6 host 198.18.0.1", ErrSyntax, 9},
		{"net 2001:db8::1/32", ErrSyntax, 4},
		{"host 01:02:03:04:05:06", ErrSyntax, 5},
		{"ether host 198.18.0.1", ErrSyntax, 11},
		{"net 198.18.0.1/16", ErrSyntax, 4},
		{"net 198.18.0.0/33", ErrSyntax, 4},
		{"icmp port 1", ErrSyntax, 10},
		{"broadcast", ErrNotSupported, 0},
		{"udp & tcp", ErrNotSupported, 4},
		{"and udp", ErrSyntax, 0},
		{"not", ErrSyntax, 3},
		{"ether", ErrSyntax, 0},
		{"vlan 5000", ErrSyntax, 5},
		{"src proto 1", ErrSyntax, 10},
	}
	for _, tt := range tests {
		_, err := Parse(tt.expr)
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q) = %v, want %v", tt.expr, err, tt.want)
			continue
		}
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset != tt.off {
			t.Errorf("Parse(%q): error %v, want offset %d", tt.expr, err, tt.off)
		}
	}
	if _, err := Compile("udp", LinkIEEE80211Radiotap, 0); !errors.Is(err, ErrNotSupported) {
		t.Errorf("radiotap link: %v", err)
	}
}

// TestParseCanonical checks that String prints a form that parses back to
// the same program (it is fully qualified, so carry-over does not apply).
func TestParseCanonical(t *testing.T) {
	for _, expr := range exprs {
		e, err := Parse(expr)
		if err != nil || e == nil {
			continue
		}
		a, _ := CompileExpr(e, LinkEthernet, 0)
		e2, err := Parse(e.String())
		if err != nil {
			t.Fatalf("%q printed as %q which does not parse: %v", expr, e.String(), err)
		}
		b, _ := CompileExpr(e2, LinkEthernet, 0)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%q and its canonical form %q compile differently", expr, e.String())
		}
	}
	e, _ := Parse("udp or arp and host 198.18.0.1")
	if got := e.String(); got != "((udp or arp) and host 198.18.0.1)" {
		t.Errorf("precedence: %s", got)
	}
	e, _ = Parse("tcp port 80 or 443")
	if got := e.String(); got != "(tcp port 80 or tcp port 443)" {
		t.Errorf("carry-over: %s", got)
	}
}

// TestFarJumps builds an expression long enough that some jumps exceed
// 255 instructions and checks the program still agrees with the VM.
func TestFarJumps(t *testing.T) {
	var parts []string
	for i := 0; i < 40; i++ {
		parts = append(parts, "host 10.0.0."+strconv.Itoa(i))
	}
	expr := "(" + strings.Join(parts, " or ") + ") or udp port 53"
	prog := mustCompile(t, expr)
	if len(prog) < 300 {
		t.Fatalf("program only %d instructions; test does not exercise far jumps", len(prog))
	}
	far := false
	for _, in := range prog {
		if _, ok := in.(xbpf.Jump); ok {
			far = true
		}
	}
	if !far {
		t.Fatal("no far jump generated")
	}
	vm, err := xbpf.NewVM(prog)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := NewProgram(prog)
	for _, f := range corpus() {
		want, _ := vm.Run(f.b)
		if got := p.Run(f.b); int(got) != want {
			t.Errorf("%s: %d != %d", f.name, got, want)
		}
		switch f.name {
		case "udp 1:40000→2:53", "udp 2:53→1:40000", "udp first fragment", "ipv6 udp →53", "ipv6 other net":
			if want == 0 {
				t.Errorf("%s rejected", f.name)
			}
		default:
			if want != 0 {
				t.Errorf("%s accepted", f.name)
			}
		}
	}
}

// writeCorpus writes the corpus to a pcap; packet i has timestamp i
// seconds, which is how tcpdump's output is mapped back to frames.
func writeCorpus(t *testing.T, frames []corpusFrame) string {
	path := filepath.Join(t.TempDir(), "corpus.pcap")
	fd, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	w := pcapgo.NewWriter(fd)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(int64(i+1), 0), CaptureLength: len(f.b), Length: len(f.b)}
		if err := w.WritePacket(ci, f.b); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// TestAgainstTcpdump is the reference check: for every corpus expression,
// the frames our program accepts must be exactly those that
// "tcpdump -r corpus.pcap EXPR" selects. It also runs the program libpcap
// compiles (tcpdump -ddd) through our evaluator.
func TestAgainstTcpdump(t *testing.T) {
	hosttest.Require(t, hosttest.Tcpdump)
	tcpdump := hosttest.Tcpdump.Argv()[0]
	frames := corpus()
	path := writeCorpus(t, frames)
	for _, expr := range exprs {
		args := []string{"-r", path, "-nn", "-tt"}
		if expr != "" {
			args = append(args, expr)
		}
		out, err := exec.Command(tcpdump, args...).Output()
		if err != nil {
			t.Fatalf("tcpdump %q: %v", expr, err)
		}
		want := map[int]bool{}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			line := sc.Text()
			if line == "" || line[0] == ' ' || line[0] == '\t' {
				continue // continuation lines
			}
			sec, _, _ := strings.Cut(line, ".")
			n, err := strconv.Atoi(sec)
			if err != nil {
				continue
			}
			want[n-1] = true
		}
		p, err := NewProgram(mustCompile(t, expr))
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range frames {
			if got := p.Run(f.b) != 0; got != want[i] {
				t.Errorf("%q on %q: we say %v, tcpdump -r says %v", expr, f.name, got, want[i])
			}
		}
		if expr == "" {
			continue
		}
		// libpcap's own program, through our evaluator and the VM.
		ddd, err := exec.Command(tcpdump, "-ddd", expr).Output()
		if err != nil {
			t.Fatalf("tcpdump -ddd %q: %v", expr, err)
		}
		lp := parseDDD(t, ddd)
		lpProg, err := NewProgram(lp)
		if err != nil {
			t.Fatalf("libpcap program for %q rejected: %v", expr, err)
		}
		vm, _ := xbpf.NewVM(lpProg.Instructions())
		for i, f := range frames {
			got := lpProg.Run(f.b)
			vmv, _ := vm.Run(f.b)
			if int(got) != vmv || (got != 0) != want[i] {
				t.Errorf("libpcap program for %q on %q: Program %d, VM %d, tcpdump %v", expr, f.name, got, vmv, want[i])
			}
		}
	}
}

// parseDDD reads tcpdump -ddd output: a count line, then "code jt jf k".
func parseDDD(t *testing.T, out []byte) []xbpf.Instruction {
	lines := strings.Fields(strings.ReplaceAll(string(out), "\n", " \n "))
	var nums []uint64
	for _, l := range lines {
		if l == "\n" {
			continue
		}
		n, err := strconv.ParseUint(l, 10, 32)
		if err != nil {
			t.Fatalf("tcpdump -ddd output %q: %v", out, err)
		}
		nums = append(nums, n)
	}
	if len(nums) == 0 || uint64(len(nums)-1) != nums[0]*4 {
		t.Fatalf("tcpdump -ddd output malformed: %q", out)
	}
	var prog []xbpf.Instruction
	for i := 1; i < len(nums); i += 4 {
		prog = append(prog, xbpf.RawInstruction{Op: uint16(nums[i]), Jt: uint8(nums[i+1]), Jf: uint8(nums[i+2]), K: uint32(nums[i+3])})
	}
	return prog
}

// TestLongProgramUsesSwitch: past maxThreaded instructions the program is
// not threaded (call depth), and the switch loop must agree with the VM.
func TestLongProgramUsesSwitch(t *testing.T) {
	var parts []string
	for i := 0; i < 200; i++ {
		parts = append(parts, "host 10.0."+strconv.Itoa(i/250)+"."+strconv.Itoa(i%250))
	}
	prog := mustCompile(t, strings.Join(parts, " or ")+" or arp")
	if len(prog) <= maxThreaded {
		t.Fatalf("program has %d instructions, want > %d", len(prog), maxThreaded)
	}
	p, err := NewProgram(prog)
	if err != nil {
		t.Fatal(err)
	}
	if p.threaded != nil {
		t.Fatal("long program was threaded")
	}
	vm, _ := xbpf.NewVM(prog)
	accepted := 0
	for _, f := range corpus() {
		want, _ := vm.Run(f.b)
		if got := p.Run(f.b); int(got) != want {
			t.Errorf("%s: %d != %d", f.name, got, want)
		}
		if want != 0 {
			accepted++
		}
	}
	if accepted != 2 { // the untagged ARP request and reply (no frame has a 10.0/16 host)
		t.Errorf("%d frames accepted, want the 2 untagged ARP frames", accepted)
	}
}
