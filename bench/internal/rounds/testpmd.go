package rounds

import "fmt"

// PMDDir is where Debian bookworm's dpdk 22.11 keeps its drivers; the
// e1000 PMD (librte_net_e1000) drives em and igb alike.
const PMDDir = "/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0"

// PMDLibs are the drivers testpmd loads with -d, for vmtest.Config.Libs.
func PMDLibs() []string {
	return []string{PMDDir + "/librte_mempool_ring.so.23.0", PMDDir + "/librte_net_e1000.so.23.0"}
}

// Testpmd is the guest shell that runs dpdk-testpmd on lcores (an EAL -l
// list: the first is the main lcore, the rest forward) with the flags
// DESIGN.md §5 found to work in the guest, lets it run for secs seconds
// after its first statistics line (EAL start-up takes many seconds under
// TCG and varies with the host's load), stops it with SIGINT and prints
// its output (every wait bounded: a guest that hangs must say where, not
// sit out the VM's timeout). allow is the -a list, args testpmd's own flags after the
// common ones (--forward-mode=..., --rxq/--txq, ...).
func Testpmd(secs int, lcores, allow, args string) string {
	d := ""
	for _, l := range PMDLibs() {
		d += " -d " + l
	}
	return fmt.Sprintf(`dpdk-testpmd -l %s -n 1 --file-prefix=bench%s %s -- `+
		`--total-num-mbufs=8192 --auto-start --stats-period=1 --burst=32 --rxd=512 --txd=512 %s </dev/null >/tmp/pmd.txt 2>&1 &
pmd=$!
i=0
while ! grep -q "Port statistics" /tmp/pmd.txt && [ $i -lt 120 ]; do sleep 1; i=$((i+1)); done
sleep %d
`+Stop("$pmd", "testpmd")+`
cat /tmp/pmd.txt`, lcores, d, allow, args, secs+1)
}

// ChmodPMD is the guest shell that lets DPDK load -d drivers: it refuses
// world-writable directories on their path, and the initramfs root is one.
func ChmodPMD() string {
	return "chmod go-w / /usr /usr/lib /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/dpdk " + PMDDir + "\n"
}

// Stop is the guest shell that ends the background process pid (a shell
// word such as "$src") with SIGINT, waits up to 30 s for it, then kills
// it, saying so with name (a BENCH-HANG line); a process that outlives
// SIGKILL by 10 s (its thread on a vCPU that takes no interrupts) is left
// behind, said, and not waited for.
func Stop(pid, name string) string {
	return fmt.Sprintf(`kill -INT %[1]s 2>/dev/null
_i=0; while kill -0 %[1]s 2>/dev/null && [ $_i -lt 60 ]; do sleep 0.5; _i=$((_i+1)); done
if kill -KILL %[1]s 2>/dev/null; then
	echo "BENCH-HANG %[2]s did not stop within 30 s of SIGINT: killed"
	_i=0; while kill -0 %[1]s 2>/dev/null && [ $_i -lt 20 ]; do sleep 0.5; _i=$((_i+1)); done
fi
if kill -0 %[1]s 2>/dev/null; then echo "BENCH-HANG %[2]s survived SIGKILL"; else wait %[1]s || true; fi`, pid, name)
}
