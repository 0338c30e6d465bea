package main

import (
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/internal/vmtest"
)

// radvdConf: the AP side advertises 2001:db8:1::/64 (on-link,
// autonomous) on its radio's interface, every 3 to 10 s and when asked.
const radvdConf = `interface wlan0 {
	AdvSendAdvert on;
	MinRtrAdvInterval 3;
	MaxRtrAdvInterval 10;
	prefix 2001:db8:1::/64 {
		AdvOnLink on;
		AdvAutonomous on;
	};
};
`

// TestVMWlanSLAAC runs `wlan connect --slaac` against Debian hostapd
// (WPA2-PSK/CCMP) and radvd on the AP's mac80211_hwsim radio, in one guest:
//   - dual stack: 198.18.0.2/24 and SLAAC; the station forms its
//     link-local address and an RFC 7217 address on the advertised prefix
//     (not the MAC's EUI-64), both through DAD, and takes the AP's
//     link-local address as default router; wlan status shows them
//     preferred; Linux pings our SLAAC and link-local addresses 100 times
//     each, we ping the AP's 2001:db8:1::1 100 times and 198.18.0.1 20
//     times, none lost; Linux's ip -6 neigh and our neighbour table agree
//     on each other's link-layer addresses; Linux's tcpdump sees our MLDv2
//     report, DAD probes and router solicitation;
//   - reassociation after hostapd deauthenticates us: both addresses run
//     DAD again (the probes are on the AP's wire a second time), a router
//     solicitation goes out again, the addresses come back, and 100 pings
//     pass each way;
//   - duplicate: the AP's Linux takes the address we formed (the RFC 7217
//     identifier is stable: the same secret file), we connect again, DAD
//     finds it (connect says "duplicate"), the next identifier (DAD counter
//     1, RFC 7217 §6) passes, and Linux pings it;
//
// then tshark reads our radiotap capture of the first connection on the
// host: our group-addressed frames (MLD report, DAD probes, router
// solicitation) left as ToDS frames to the AP under the pairwise key, and
// the AP's router advertisements and neighbour solicitations reached us as
// FromDS group frames under the group key (key ID 1 or 2; the pairwise key
// is 0).
func TestVMWlanSLAAC(t *testing.T) {
	res := vmtest.Run(t, vmtest.Config{
		Modules:  []string{"rfkill", "libarc4", "cfg80211", "ctr", "ccm", "mac80211", "virtio_ring", "virtio", "mac80211_hwsim radios=1"},
		Commands: []string{"./tools/wlan"},
		// iproute2 for ip -6 neigh (busybox's prints no states), tcpdump
		// for the AP's view of our neighbour discovery and MLD.
		Debs: []string{"hostapd", "iputils-ping", "iproute2", "radvd", "tcpdump", "ethtool"},
		Files: []vmtest.File{
			{Guest: "/etc/hostapd.conf", Mode: 0o644, Data: []byte(wpaConf)},
			{Guest: "/etc/radvd.conf", Mode: 0o644, Data: []byte(radvdConf)},
		},
		Append:  "no_timer_check",
		Timeout: 6 * time.Minute,
		Quiet:   true,
		Script:  wlanPrelude + slaacScript,
	})
	for _, l := range res.Grep("RESULT ") {
		t.Log(l[strings.Index(l, "RESULT "):])
	}
	if !res.Passed {
		return
	}
	checkSLAACPcap(t, res)
}

const slaacScript = `
# iproute2's ip (busybox's, earlier in PATH, prints no neighbour states).
ip() { /bin/ip "$@"; }
expect "$(ip -V 2>&1)" iproute2
echo 1 > /proc/sys/net/ipv6/conf/all/forwarding
ip -6 addr add 2001:db8:1::1/64 dev wlan0 nodad
start_ap /etc/hostapd.conf
APMAC=$(cat /sys/class/net/wlan0/address)
wait_for 10 sh -c 'ip -6 addr show dev wlan0 scope link | grep -q fe80 && ! ip -6 addr show dev wlan0 | grep -q tentative'
APLL=$(ip -6 addr show dev wlan0 scope link | sed -n 's/.*inet6 \(fe80::[0-9a-f:]*\)\/64.*/\1/p' | head -n 1)
echo "RESULT AP $APMAC link-local $APLL"
radvd -n -C /etc/radvd.conf -p /tmp/radvd.pid -m stderr > /tmp/radvd.log 2>&1 &
rapid=$!
# Inbound only (the AP relays our group frames back into the BSS; those
# would count twice), and all of IPv6: MLD reports carry a hop-by-hop
# header, which tcpdump's icmp6 primitive does not look past.
tcpdump -l -n -Q in -i wlan0 ip6 > /tmp/td.txt 2>&1 &
tdpid=$!
sleep 1
SECRET=/tmp/wlan-secret
# neigh_agree: every entry Linux has for one of our addresses names our
# MAC, every entry of ours for one of the AP's names the AP's, and both
# sides have one for the addresses that were pinged. (Linux also lists its
# own link-local address, as a router, with its own MAC.)
neigh_agree() {
	ln=$(ip -6 neigh show dev wlan0); echo "RESULT $1: Linux: $(echo "$ln" | tr '\n' ';')"
	on=$(wlan status | sed -n 's/^neigh6: *//p'); echo "RESULT $1: ours: $on"
	for a in $2; do
		echo "$ln" | grep -q "^$a lladdr 02:67:6f:70:6b:01 " || fail "$1: Linux has no entry for $a with our MAC"
	done
	echo "$ln" | grep lladdr | grep -v 'lladdr 02:67:6f:70:6b:01' | grep -v "lladdr $APMAC" | grep -q . && fail "$1: Linux has an entry with a MAC that is neither ours nor its own"
	for a in $3; do
		echo "$on" | grep -q "$a lladdr $APMAC" || fail "$1: we have no entry for $a with the AP's MAC"
	done
	echo "$on" | tr ';' '\n' | grep lladdr | grep -v INCOMPLETE | grep -v "lladdr $APMAC" && fail "$1: an entry of ours has another MAC"
	return 0
}
# lossless NAME LOG N: N of N echoes in LOG, or every counter on the way
# (ours and the AP's) before failing, to tell where they were lost.
lossless() {
	case "$(cat $2)" in
	*"$3 packets transmitted, $3 received"*) ;;
	*) cat $2; counters $1; wlan status --json | tr -d ' \n' | sed "s/^/STATUS $1: json /"; echo
		grep -E '^(Ip6In|Ip6Out|Icmp6In|Icmp6Out)' /proc/net/snmp6 | tr -s ' ' | tr '\n' ' ' | sed "s/^/STATUS $1: AP snmp6 /"; echo
		fail "$1: echoes lost" ;;
	esac
}
# ping6 NAME ADDR N: Linux pings ADDR N times at 20 ms; each of the N
# requests must be answered.
#
# Not "ping -c N" alone: iputils ping stops waiting max(2 x the largest RTT
# so far, the interval) after its last request (ping_common.c
# __schedule_exit; -W only applies when nothing came back at all), so one
# slow reply at the end under TCG load is "lost" while it is on its way.
# With a deadline (-w) ping waits until N replies came (sending more
# requests meanwhile, which need no answer). -D timestamps every reply, and
# ping_late says how many replies a count-only ping would have missed.
ping6() {
	$PING -6 -c $3 -i 0.02 -w 60 -D $2 > /tmp/p6.log 2>&1 || true
	echo "RESULT $1: Linux -> $2: $(grep 'packets transmitted' /tmp/p6.log); $(ping_late /tmp/p6.log $3 0.02)"
	answered $1 /tmp/p6.log $3
}
# answered NAME LOG N: ping's LOG has a reply for every icmp_seq 1 to N, or
# every counter on the way (ours and the AP's) before failing.
answered() {
	got=$(ping_answered $2 $3)
	[ "$got" = "$3" ] && return 0
	tail -n 30 $2; counters $1; wlan status --json | tr -d ' \n' | sed "s/^/STATUS $1: json /"; echo
	grep -E '^(Ip6In|Ip6Out|Icmp6In|Icmp6Out)' /proc/net/snmp6 | tr -s ' ' | tr '\n' ' ' | sed "s/^/STATUS $1: AP snmp6 /"; echo
	fail "$1: $got of the first $3 echo requests answered"
}
# wping NAME ADDR N: we ping ADDR N times at 20 ms, none may be lost.
wping() {
	wlan ping $2 --count $3 --interval 20ms > /tmp/w6.log 2>&1 || true
	echo "RESULT $1: us -> $2: $(grep 'packets transmitted' /tmp/w6.log) $(grep rtt /tmp/w6.log)"
	lossless $1 /tmp/w6.log $3
}
dads() { grep -c "IP6 :: > ff02::1:ff.*neighbor solicitation, who has $1" /tmp/td.txt || true; }
rsols() { grep -c "> ff02::2: ICMP6, router solicitation" /tmp/td.txt || true; }

# Dual stack, SLAAC from radvd.
wlan connect --ssid gopkt-wlan --passphrase 'the right passphrase' --addr 198.18.0.2/24 --slaac --stable-secret $SECRET \
	--pcap /tmp/slaac.pcap --pcap-count 800 --timestamps > /tmp/c1.log 2>&1 &
pid=$!
wait_log 30 '^connected' /tmp/c1.log
wait_for 30 grep -q '^address 2001:db8:1:[0-9a-f:]*/64 on wlan0 (slaac)' /tmp/c1.log
wait_for 10 grep -q "^default router $APLL on wlan0" /tmp/c1.log
wait_for 10 grep -q '^address fe80:[0-9a-f:]*/64 on wlan0 (link-local)' /tmp/c1.log
cat /tmp/c1.log
A=$(sed -n 's/^address \(2001:db8:1:[0-9a-f:]*\)\/64 on wlan0 (slaac).*/\1/p' /tmp/c1.log | head -n 1)
LL=$(sed -n 's/^address \(fe80:[0-9a-f:]*\)\/64 on wlan0 (link-local).*/\1/p' /tmp/c1.log | head -n 1)
[ -n "$A" ] && [ -n "$LL" ] || fail "no SLAAC or link-local address in the connect log"
echo "RESULT formed $A and $LL"
[ "$LL" = fe80::67:6fff:fe70:6b01 ] || fail "link-local $LL, want the MAC's EUI-64 fe80::67:6fff:fe70:6b01"
[ "$A" = 2001:db8:1::67:6fff:fe70:6b01 ] && fail "the SLAAC address is the MAC's EUI-64, want RFC 7217's"
out=$(wlan status); echo "$out"
expect "$out" "wlan0 $A/64 preferred (slaac, valid "
expect "$out" "wlan0 $LL/64 preferred (link-local)"
expect "$out" "router6:*$APLL"
expect "$out" "ip:*wlan0 198.18.0.2/24"
expect "$(wlan status --json)" '"state": "preferred"'
ping6 slaac $A 100
ping6 link-local $LL%wlan0 100
wping ap-global 2001:db8:1::1 100
wping ap-link-local $APLL 20
wping ipv4 198.18.0.1 20
neigh_agree first "$A $LL" "2001:db8:1::1 $APLL"
counters first
d1=$(dads $A); r1=$(rsols)
echo "RESULT first: the AP saw $d1 DAD probes for $A, $r1 router solicitations, $(grep -c 'multicast listener report v2' /tmp/td.txt) MLDv2 reports"
[ $d1 -ge 1 ] && [ $r1 -ge 1 ] || fail "no DAD probe or router solicitation on the AP's wire"
expect "$(cat /tmp/td.txt)" "multicast listener report v2"
expect "$(wlan status)" "mcast:*rx "

# Deauthenticated: we rejoin, and IPv6 treats the link as new.
must ap deauthenticate 02:67:6f:70:6b:01
wait_for 30 sh -c '[ $(grep -c "^connected" /tmp/c1.log) -ge 2 ]'
wait_for 20 sh -c "[ \$(grep -c '^address $A/64 on wlan0 (slaac)' /tmp/c1.log) -ge 2 ]"
wait_for 20 sh -c "[ \$(grep -c '^address $LL/64 on wlan0 (link-local)' /tmp/c1.log) -ge 2 ]"
wait_for 10 sh -c "[ \$(grep -c 'IP6 :: > ff02::1:ff.*who has $A' /tmp/td.txt) -gt $d1 ]"
wait_for 10 sh -c "[ \$(grep -c '> ff02::2: ICMP6, router solicitation' /tmp/td.txt) -gt $r1 ]"
grep '\[[0-9.]*s\]$' /tmp/c1.log | sed 's/^/RESULT timeline: /'
echo "RESULT rejoin: the AP saw $(dads $A) DAD probes for $A, $(rsols) router solicitations in all"
ping6 rejoin-slaac $A 100
wping rejoin-ap 2001:db8:1::1 100
neigh_agree rejoin "$A" "2001:db8:1::1"
counters rejoin
must wlan disconnect
wait $pid || { cat /tmp/c1.log; fail "wlan connect exited with status $? (a buffer leak or a teardown error)"; }
echo "PCAP-SIZE $(wc -c < /tmp/slaac.pcap)"
gzip -c /tmp/slaac.pcap | base64 | sed 's/^/PCAP:/'

# The AP's Linux takes the address we formed; the identifier is stable,
# so our next run forms it again, DAD finds it, and we take the next one.
ip -6 addr add $A/64 dev wlan0 nodad
wlan connect --ssid gopkt-wlan --passphrase 'the right passphrase' --slaac --stable-secret $SECRET > /tmp/c2.log 2>&1 &
pid=$!
wait_for 30 grep -q "^duplicate $A/64 on wlan0" /tmp/c2.log
wait_for 20 grep -q '^address 2001:db8:1:[0-9a-f:]*/64 on wlan0 (slaac, DAD counter 1)' /tmp/c2.log
cat /tmp/c2.log
B=$(sed -n 's/^address \(2001:db8:1:[0-9a-f:]*\)\/64 on wlan0 (slaac, DAD counter 1)$/\1/p' /tmp/c2.log | head -n 1)
[ -n "$B" ] && [ "$B" != "$A" ] || fail "no next address ($B) after the duplicate $A"
echo "RESULT duplicate $A found; next identifier $B"
out=$(wlan status); echo "$out"
expect "$out" "wlan0 $A/64 duplicate"
expect "$out" "wlan0 $B/64 preferred (slaac, valid * DAD counter 1)"
ping6 next $B 100
wping next-ap 2001:db8:1::1 100
must wlan disconnect
wait $pid || { cat /tmp/c2.log; fail "wlan connect (duplicate) exited with status $?"; }
kill $rapid $tdpid
`

// checkSLAACPcap has tshark read the radiotap capture: group-addressed
// IPv6 frames go to the AP as ToDS frames under the pairwise key; the
// AP's come as FromDS frames under the group key (a CCMP header with key
// ID 1 or 2, where the pairwise key is 0).
func checkSLAACPcap(t *testing.T, res *vmtest.Result) {
	t.Helper()
	path := capturedPcap(t, res)
	hosttest.Require(t, hosttest.Tshark)
	count := func(filter string) int { return len(tsharkFields(t, path, filter)) }
	const theirs = "wlan.fc.fromds == 1 && wlan.fc.protected == 1 && wlan.ccmp.extiv && wlan.wep.key != 0"
	for _, c := range []struct {
		what, filter string
	}{
		{"our MLDv2 reports (to 33:33:00:00:00:16)", "wlan.fc.tods == 1 && wlan.fc.protected == 1 && wlan.ra == 02:00:00:00:00:00 && wlan.da == 33:33:00:00:00:16"},
		{"our router solicitations (to 33:33:00:00:00:02)", "wlan.fc.tods == 1 && wlan.fc.protected == 1 && wlan.ra == 02:00:00:00:00:00 && wlan.da == 33:33:00:00:00:02"},
		{"our DAD probes (to a solicited-node group)", "wlan.fc.tods == 1 && wlan.fc.protected == 1 && wlan.ra == 02:00:00:00:00:00 && wlan.da[0:3] == 33:33:ff"},
		{"the AP's all-nodes frames under the group key", theirs + " && wlan.da == 33:33:00:00:00:01"},
		{"the AP's solicitations to our solicited-node group under the group key", theirs + " && wlan.da[0:3] == 33:33:ff"},
	} {
		n := count(c.filter)
		t.Logf("capture: %d %s", n, c.what)
		if n == 0 {
			t.Errorf("capture: no %s (filter %q)", c.what, c.filter)
		}
	}
}
