#!/bin/sh
# Installs everything gopkt's build, tests, VM lane and benchmarks need on a
# Debian 12 machine. Idempotent: packages already present are not reinstalled
# and apt's index is refreshed only when a package is missing. Run as root.
set -eu
cd "$(dirname "$0")/.."

# VM lane (internal/vmtest): qemu-system-x86 (TCG guest), busybox-static (guest
#   userland), kmod (depmod over the guest kernel), cpio (archive test peer);
#   the guest kernel package itself is fetched by the harness into its cache.
# Discovery and bind: pci.ids (names), pciutils (lspci as test peer).
# Host interop peers: iproute2, iputils-ping, iputils-arping (RFC 5227 probes
#   and claims), netcat-openbsd, iperf3, tcpdump,
#   tshark, udhcpd (DHCP server), busybox, radvd (IPv6 router advertisements
#   for the SLAAC test; run only by tests, inside their namespaces).
# Wi-Fi peers (copied into the guest): hostapd, wpasupplicant.
# Bench peers: dpdk, dpdk-dev (+ pkg-config, gcc) for testpmd and mempool,
#   librte-crypto-ipsec-mb23, openssl.
pkgs="qemu-system-x86 busybox-static cpio kmod pci.ids pciutils iproute2
iputils-ping iputils-arping netcat-openbsd iperf3 tcpdump tshark ethtool hostapd wpasupplicant udhcpd radvd
dpdk dpdk-dev librte-crypto-ipsec-mb23 openssl pkg-config gcc libc6-dev"

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: missing Debian packages:$missing; run this script as root to install them" >&2
		exit 1
	fi
	echo "setup: installing$missing"
	apt-get update -qq
	# tshark asks whether non-root users may capture; answer no, quietly.
	echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

command -v go >/dev/null || { echo "setup: Go 1.26 is required (https://go.dev/dl/); /usr/local/go/bin must be on PATH" >&2; exit 1; }
go mod download
gobin=$(go env GOPATH)/bin
[ -x "$gobin/staticcheck" ] || go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
# The VM lane (internal/vmtest) fetches the guest kernel and packages on first
# use into $GOPKT_VM_CACHE, or ~/.cache/gopkt/vm; nothing to prepare here.
echo "setup: ok"
