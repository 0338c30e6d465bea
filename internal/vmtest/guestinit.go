package vmtest

// Lines the guest prints that the host parses. Each is matched anywhere in a
// console line, since kernel messages may share the line.
const (
	markBoot   = "GOPKT-BOOT: "   // init started; uptime follows
	markTime   = "GOPKT-TIME: "   // boot=S scenario=S (guest seconds)
	markResult = "GOPKT-RESULT: " // PASS, or FAIL and the reason
	markReady  = "GOPKT-READY: "  // printed by the scenario's ready helper
)

// initScript is the guest's /init (busybox sh). It mounts the pseudo file
// systems, loads the modules listed in /etc/gopkt/modules (path and
// parameters, dependencies first), reserves hugepages, runs the scenario
// under sh -e and prints the verdict before powering off. Any failure of its
// own is a FAIL verdict naming the step.
const initScript = `#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
verdict() { echo "` + markResult + `$*"; sync; poweroff -f; echo o >/proc/sysrq-trigger; sleep 10; }
mount -t proc proc /proc || verdict FAIL init: cannot mount /proc
mount -t sysfs sysfs /sys || verdict FAIL init: cannot mount /sys
mount -t devtmpfs devtmpfs /dev || verdict FAIL init: cannot mount devtmpfs on /dev
mkdir -p /dev/pts /dev/shm /dev/hugepages /tmp /run /var/run /var/lib /var/tmp /root
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
echo 1 >/proc/sys/kernel/sysrq # every SysRq function: the host's post-mortem of a hung guest asks for task dumps
boot=$(cut -d' ' -f1 /proc/uptime)
echo "` + markBoot + `$boot"
. /etc/gopkt/env
while read -r mod args; do
	[ -n "$mod" ] || continue
	name=${mod##*/}; name=$(echo "${name%.ko}" | tr - _)
	[ -d /sys/module/$name ] && continue
	insmod /lib/modules/$GOPKT_KERNEL/$mod $args || verdict FAIL init: insmod $mod $args failed
done </etc/gopkt/modules
if [ "${GOPKT_HUGEPAGES:-0}" -gt 0 ]; then
	echo $GOPKT_HUGEPAGES >/proc/sys/vm/nr_hugepages
	got=$(cat /proc/sys/vm/nr_hugepages)
	[ "$got" = "$GOPKT_HUGEPAGES" ] || verdict FAIL init: reserved $got of $GOPKT_HUGEPAGES hugepages
	mount -t hugetlbfs nodev /dev/hugepages || verdict FAIL init: cannot mount hugetlbfs
fi
ip link set lo up
cd /root
start=$(cut -d' ' -f1 /proc/uptime)
sh -e${GOPKT_TRACE:+x} /etc/gopkt/scenario.sh
rc=$?
end=$(cut -d' ' -f1 /proc/uptime)
echo "` + markTime + `boot=$boot scenario=$(awk "BEGIN{print $end-$start}")"
if [ $rc -eq 0 ]; then verdict PASS; fi
[ -n "$GOPKT_TRACE" ] || hint=" (a command failed under sh -e; set Config.Trace to see which)"
verdict FAIL scenario exited with status $rc$hint
`

// guestLib is /etc/gopkt/lib.sh, sourced before the scenario. Helpers
// (fail runs the scenario's diagnose function first, once, when it
// defines one):
//
//	fail REASON...        print the FAIL verdict and exit 1
//	must CMD...           run CMD; fail naming it when it exits non-zero
//	mustfail CMD...       run CMD; fail when it succeeds
//	expect TEXT PATTERN   fail unless TEXT contains PATTERN (shell glob)
//	reject TEXT PATTERN   fail when TEXT contains PATTERN
//	wait_for SECS CMD...  retry CMD every 0.1 s until it succeeds; fail after SECS
//	wait_log SECS RE FILE wait_for a line matching RE (grep) in FILE; on timeout
//	                      print FILE's last 30 lines before failing
//	ready NAME            print "GOPKT-READY: NAME" for Host.WaitReady
//	wait_host NAME        read console lines until one equals NAME (Host.Send)
//	ping_all LOG N DST [OPTS...]
//	                      iputils ping ($PING, default /bin/ping) of DST, N requests and a
//	                      60 s deadline, to LOG; prints the summary and fails
//	                      unless each of icmp_seq 1..N was answered
//	ping_answered LOG N   print how many of icmp_seq 1..N LOG has a reply for
//	ping_late LOG N MIN   from a ping -D LOG: how many replies to requests 1..N
//	                      came after a count-only "ping -c N" would have stopped
//	                      waiting (request N's send time plus max(2 x the largest
//	                      RTT seen by then, MIN seconds: the interval)), a line
//	                      for the test log
//
// Why ping_all and not "ping -c N" with a count check: once a reply has come,
// a count-only iputils ping stops waiting max(2 x the largest RTT so far,
// the interval) after its last request (ping_common.c, __schedule_exit; -W
// applies only when nothing came back), so under TCG load one slow reply at
// the end is reported lost while it is on its way. With a deadline (-w) ping
// waits until N replies came, sending more requests meanwhile; those extra
// requests would hide a real loss from "N received", so ping_all checks
// sequence numbers instead.
const guestLib = `fail() {
	# A scenario may define diagnose: what to print when it fails (its
	# daemon's state, a capture), run once, before the verdict.
	if [ -z "$_diagnosed" ] && command -v diagnose >/dev/null 2>&1; then _diagnosed=1; diagnose || true; fi
	echo "` + markResult + `FAIL $*"; exit 1
}
must() { "$@" || fail "'$*' exited with status $?"; }
mustfail() { if "$@"; then fail "'$*' succeeded but must fail"; fi; }
expect() { case "$1" in *$2*) ;; *) printf '%s\n' "$1"; fail "output lacks '$2'";; esac; }
reject() { case "$1" in *$2*) printf '%s\n' "$1"; fail "output contains '$2'";; esac; }
wait_for() {
	_n=$(($1 * 10)); shift
	while ! "$@" >/dev/null 2>&1; do
		_n=$((_n - 1)); [ $_n -gt 0 ] || fail "timed out waiting for '$*'"
		sleep 0.1
	done
}
wait_log() {
	_n=$(($1 * 10))
	while ! grep -q "$2" "$3" 2>/dev/null; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || { tail -n 30 "$3" 2>/dev/null; fail "timed out after $1 s waiting for '$2' in $3 (its last lines above)"; }
		sleep 0.1
	done
}
ready() { echo "` + markReady + `$1"; }
wait_host() { while read -r _l; do [ "$_l" = "$1" ] && return 0; done; fail "console closed before host sent $1"; }
ping_answered() {
	awk -v n=$2 '/bytes from .* icmp_seq=/ { s = $0; sub(/.* icmp_seq=/, "", s); sub(/ .*/, "", s); s += 0; if (s >= 1 && s <= n && !seen[s]++) k++ } END { print k + 0 }' $1
}
ping_late() {
	awk -v n=$2 -v min=$3 '/^\[[0-9.]*\] .* icmp_seq=.* time=/ {
		t = substr($1, 2, length($1) - 2) + 0
		s = $0; sub(/.* icmp_seq=/, "", s); sub(/ .*/, "", s); s += 0
		r = $0; sub(/.* time=/, "", r); sub(/ .*/, "", r); r /= 1000
		if (s >= 1 && s <= n && !(s in rx)) { rx[s] = t; tx[s] = t - r }
	}
	END {
		if (!(n in tx)) { print "no reply to request " n; exit }
		m = 0; for (s in rx) if (rx[s] <= tx[n] && rx[s] - tx[s] > m) m = rx[s] - tx[s]
		w = 2 * m; if (w < min) w = min
		k = 0; worst = 0
		for (s in rx) if (rx[s] > tx[n] + w) { k++; if (rx[s] - tx[n] - w > worst) worst = rx[s] - tx[n] - w }
		printf "%d of %d replies came after a count-only ping would have stopped waiting (%.1f ms after request %d, max RTT %.0f ms; the last by %.1f ms)\n", k, n, w * 1000, n, m * 1000, worst * 1000
	}' $1
}
ping_all() {
	_log=$1 _n=$2 _dst=$3; shift 3
	${PING:-/bin/ping} -c $_n -w 60 "$@" $_dst >$_log 2>&1
	_got=$(ping_answered $_log $_n)
	echo "ping_all $_dst: $_got of $_n answered; $(grep 'packets transmitted' $_log)"
	[ "$_got" = "$_n" ] || { tail -n 20 $_log; fail "ping $_dst $*: $_got of the first $_n echo requests answered"; }
}
`
