package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// script is the guest side of the demo; each step prints a header so the
// console reads as a report.
const script = `
step() { echo; echo "=== $*"; }
step "PCI NICs as the guest sees them"
must vfio-bind list
step "bind both NICs to vfio-pci"
must vfio-bind bind "$NIC0_ADDR" "$NIC1_ADDR"
must vfio-bind list
step "probe through VFIO: registers, EEPROM MAC, DMA through the IOMMU, interrupts"
must vfio-probe "$NIC0_ADDR" "$NIC1_ADDR"
step "e1000 driver self-test on each port"
must e1000-test selftest "$NIC0_ADDR"
must e1000-test selftest "$NIC1_ADDR"
step "10000 sequence-numbered frames of mixed sizes from the e1000 to the e1000e"
must e1000-test loop --count 10000 "$NIC0_ADDR" "$NIC1_ADDR"
step "give the NICs back to Linux"
must vfio-bind unbind "$NIC0_ADDR" "$NIC1_ADDR"
must vfio-bind list
` + daemonStep

// daemonStep is the last step, kept separate: the gopkt daemon (io-pkt
// style, tools/gopkt) on the e1000 through VFIO, with the guest's Linux
// on the e1000e as its peer on the same hub: ping both ways, then TCP both
// ways: Linux's wget downloads a file from gopkt's --http (net/http's file
// server over our TCP), and gopktctl get (Go's net/http client over our
// TCP) downloads it from Linux's busybox httpd, SHA-256 compared.
const daemonStep = `
step "gopkt daemon on the e1000 (VFIO), Linux on the e1000e as its peer"
must vfio-bind bind "$NIC0_ADDR"
IF=$(ls /sys/bus/pci/devices/$NIC1_ADDR/net)
must ip link set "$IF" up
must ip addr add 198.18.0.1/24 dev "$IF"
wait_for 30 grep -q 1 /sys/class/net/$IF/carrier
mkdir -p /srv
dd if=/dev/urandom of=/srv/blob bs=1M count=4 2>/dev/null
want=$(sha256sum /srv/blob | cut -d' ' -f1)
httpd -f -p 198.18.0.1:8080 -h /srv &
hpid=$!
gopkt -d e1000 pci="$NIC0_ADDR" -p ipv4 -p udp -p tcp --ifconfig em0=198.18.0.2/24 --udp-echo 7 --http /srv --control /tmp/gopkt.sock \
	--ping 198.18.0.1,count=3,timeout=3s >/tmp/gopkt.txt 2>&1 &
gpid=$!
wait_for 60 grep -q "gopkt: running" /tmp/gopkt.txt
ping_all /tmp/ping.txt 5 198.18.0.2 -s 3000 # each of 5 requests answered; no 2-RTT linger (see the guest library)
wait_for 30 grep -q "ping statistics" /tmp/gopkt.txt
step "TCP: Linux's wget downloads 4 MB from gopkt's HTTP server"
t0=$(cut -d' ' -f1 /proc/uptime)
must wget -q -O /tmp/got http://198.18.0.2/blob
t1=$(cut -d' ' -f1 /proc/uptime)
got=$(sha256sum /tmp/got | cut -d' ' -f1)
echo "sha256 $got in $(awk "BEGIN {print $t1-$t0}") s"
[ "$got" = "$want" ] || fail "wget from gopkt: sha256 $got, want $want"
step "TCP: Go's net/http over gopkt (gopktctl get) downloads 4 MB from Linux's httpd"
must gopktctl --socket /tmp/gopkt.sock get http://198.18.0.1:8080/blob >/tmp/get.txt
cat /tmp/get.txt
expect "$(cat /tmp/get.txt)" "200 OK, 4194304 bytes in *, sha256 $want"
kill $hpid
kill -INT $gpid
wait $gpid || { cat /tmp/gopkt.txt; fail "gopkt exited with an error"; }
cat /tmp/gopkt.txt
expect "$(cat /tmp/gopkt.txt)" "3 received, 0% packet loss"
expect "$(cat /tmp/gopkt.txt)" "pool: 4096/4096 buffers free"
must vfio-bind unbind "$NIC0_ADDR"
`

func main() {
	out := pflag.StringP("output", "o", "", "directory for console.log, initramfs and the per-NIC pcaps (default: a new temporary directory)")
	timeout := pflag.Duration("timeout", 10*time.Minute, "hard limit for the whole guest run")
	pflag.Parse()

	dir := *out
	temp := dir == ""
	if temp {
		var err error
		if dir, err = os.MkdirTemp("", "gopkt-vmdemo-"); err != nil {
			fmt.Fprintln(os.Stderr, "vmdemo:", err)
			os.Exit(1)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	cfg := vmtest.Config{
		NICs:      []vmtest.NIC{{Model: vmtest.E1000, Dump: true}, {Model: vmtest.E1000E, Dump: true}},
		Commands:  []string{"./tools/vfio-bind", "./tools/vfio-probe", "./tools/e1000-test", "./tools/gopkt", "./tools/gopktctl"},
		Files:     pciIDs(),
		Debs:      []string{"iputils-ping"}, // ping_all reads iputils' output (busybox's differs)
		HugePages: 64,
		Timeout:   *timeout,
		Script:    script,
	}
	start := time.Now()
	res, err := vmtest.Boot(ctx, cfg, dir, func(format string, args ...any) {
		fmt.Printf(format+"\n", args...)
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "vmdemo: %v\n", err)
		os.Exit(1)
	}
	if !res.Passed {
		fmt.Printf("\nartifacts: %s (console.log, %s)\n", dir, strings.Join(res.PCAP, ", "))
		fmt.Fprintf(os.Stderr, "vmdemo: guest verdict: %s (%.1f s wall)\n", res.Verdict, time.Since(start).Seconds())
		os.Exit(1)
	}
	if temp {
		// A passing run leaves nothing behind (about 60 MiB, mostly the
		// initramfs): -o DIR keeps the console log and the pcaps; a
		// failing run keeps its temporary directory for the post-mortem.
		_ = os.RemoveAll(dir)
	} else {
		fmt.Printf("\nartifacts: %s (console.log, %s)\n", dir, strings.Join(res.PCAP, ", "))
	}
	fmt.Printf("vmdemo: all steps passed in %.1f s wall\n", time.Since(start).Seconds())
}

// pciIDs ships the host's pci.ids so vfio-bind list shows names in the guest.
func pciIDs() []vmtest.File {
	for _, p := range []string{"/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"} {
		if _, err := os.Stat(p); err == nil {
			return []vmtest.File{{Host: p, Guest: filepath.Join("/usr/share/misc", "pci.ids")}}
		}
	}
	return nil
}
