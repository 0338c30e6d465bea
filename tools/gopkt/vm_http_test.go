package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// vmHTTPScript: gopkt on NIC 0 through VFIO (198.18.0.2) serves /srv with
// --http; the guest's Linux on NIC 1 (198.18.0.1) serves the same
// directory with busybox httpd on port 8080. Linux's curl downloads the
// file from gopkt, then Go's net/http client over gopkt's stack (gopktctl
// get, its TCP connection from gopkt through the control socket) downloads
// it from busybox httpd; both digests must equal the file's. gopkt must
// stop with every buffer back in the pool.
const vmHTTPScript = `
set -o pipefail
IF=$(ls /sys/bus/pci/devices/$NIC1_ADDR/net)
must ip link set $IF up
must ip addr add 198.18.0.1/24 dev $IF
must vfio-bind bind --force $NIC0_ADDR
mkdir -p /srv
dd if=/dev/urandom of=/srv/blob bs=1M count=$BULK_MB 2>/dev/null
want=$(sha256sum /srv/blob | cut -d' ' -f1)
echo "WANT $want"
httpd -f -p 198.18.0.1:8080 -h /srv &
hpid=$!
gopkt -d e1000 pci=$NIC0_ADDR -p ipv4 -p tcp --ifconfig em0=198.18.0.2/24 --http /srv --control /tmp/gopkt.sock >/tmp/gopkt.txt 2>/tmp/gopkt.err &
gpid=$!
wait_for 120 grep -q "gopkt: running" /tmp/gopkt.txt
echo "STEP curl downloads $BULK_MB MB from gopkt's --http"
got=$(curl -sS --fail -w '%{stderr}CURL %{size_download} bytes in %{time_total} s: %{speed_download} B/s\n' http://198.18.0.2/blob | sha256sum | cut -d' ' -f1) || { cat /tmp/gopkt.err; fail "curl"; }
[ "$got" = "$want" ] || fail "curl: sha256 $got, want $want"
echo "HTTP curl-from-gopkt sha256 equal"
echo "STEP gopktctl get (net/http over gopkt) downloads $BULK_MB MB from Linux's httpd"
gopktctl --socket /tmp/gopkt.sock --timeout 60s get http://198.18.0.1:8080/blob >/tmp/get.txt 2>&1 || { cat /tmp/get.txt /tmp/gopkt.err; fail "gopktctl get"; }
cat /tmp/get.txt
expect "$(cat /tmp/get.txt)" "*: 200 OK, $((BULK_MB*1048576)) bytes in *, sha256 $want"
echo "HTTP get-from-linux sha256 equal"
kill $hpid
kill -USR1 $gpid
wait_for 10 grep -q "^tcp: in" /tmp/gopkt.txt
echo "STEP stop gopkt"
kill -INT $gpid
status=0; wait $gpid || status=$?
cat /tmp/gopkt.txt /tmp/gopkt.err
[ $status -eq 0 ] || fail "gopkt exit status $status"
expect "$(cat /tmp/gopkt.txt)" "pool: 4096/4096 buffers free"
expect "$(cat /tmp/gopkt.txt)" "gopkt: stopped cleanly"
`

// TestVMDaemonHTTP is issue 10's VM lane download: 100 MB over HTTP both
// ways between gopkt on the e1000 through real VFIO and the guest's Linux
// on a second e1000: Linux's curl from gopkt's --http (net/http's file
// server over our TCP), and Go's net/http client over our TCP (gopktctl
// get) from Linux's busybox httpd; SHA-256 equal both ways, pool full.
func TestVMDaemonHTTP(t *testing.T) {
	const mb = 100
	res := vmtest.Run(t, vmtest.Config{
		NICs:      []vmtest.NIC{{Model: vmtest.E1000}, {Model: vmtest.E1000}},
		Commands:  []string{"./tools/vfio-bind", "./tools/gopkt", "./tools/gopktctl"},
		Debs:      []string{"curl"},
		HugePages: 64,
		Timeout:   15 * time.Minute,
		Env:       map[string]string{"BULK_MB": fmt.Sprint(mb)},
		Script:    vmHTTPScript,
	})
	if !res.Passed {
		return // vmtest reported the failure
	}
	for _, pat := range []string{"CURL ", "200 OK", "tcp: in ", "fast-retransmits "} {
		for _, l := range res.Grep(pat) {
			t.Log(strings.TrimSpace(l))
		}
	}
	if n := len(res.Grep("sha256 equal")); n != 2 {
		t.Errorf("downloads with equal digests: %d, want 2", n)
	}
}
