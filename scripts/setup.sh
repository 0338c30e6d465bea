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
# Wi-Fi peers (copied into the guest): hostapd, wpasupplicant; aircrack-ng
#   (airdecap-ng, the reference of wlan decrypt's tests).
# Bench peers: dpdk, dpdk-dev (+ pkg-config, gcc) for testpmd and mempool,
#   librte-crypto-ipsec-mb23, openssl; nftables (bench/l2peer's Linux router).
# iommufd modules for the backports guest kernel (below): gcc, make, xz-utils.
pkgs="qemu-system-x86 busybox-static cpio kmod pci.ids pciutils iproute2
iputils-ping iputils-arping netcat-openbsd iperf3 tcpdump tshark ethtool hostapd wpasupplicant aircrack-ng udhcpd radvd
dpdk dpdk-dev librte-crypto-ipsec-mb23 openssl nftables pkg-config gcc libc6-dev make xz-utils"

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
# use into $GOPKT_VM_CACHE, or ~/.cache/gopkt/vm.
#
# The backports lane (vmtest.LaneBackports: the igb and igbvf models, kernel
# 6.12) needs QEMU 10 from bookworm-backports. Installing it with apt would
# replace the system QEMU 7.2 that the stable lane uses, so its packages are
# downloaded and unpacked into the cache instead, never installed:
# CACHE/qemu/VERSION/root/usr/bin/qemu-system-x86_64 with its data, its
# modules and the backports seabios (QEMU 10 needs >> 1.16.3) beside it. The
# shared libraries it links are all in bookworm (checked with ldd below).
cache=${GOPKT_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gopkt/vm}
bpo_sources=/etc/apt/sources.list.d/gopkt-bookworm-backports.sources
bpo_ok=1
if ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: bookworm-backports is not in apt's sources; run as root for the backports VM lane" >&2
		bpo_ok=0
	else
		# Backports are NotAutomatic (priority 100): no installed package
		# upgrades to them unless asked by name and suite.
		cat >"$bpo_sources" <<'SRC'
# Added by gopkt scripts/setup.sh: the backports VM lane downloads QEMU 10 and
# kernel 6.12 from here into its cache (apt-get download); nothing installs.
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
		apt-get update -qq
	fi
fi
bpo_version() { apt-cache madison "$1" 2>/dev/null | awk -F' *[|] *' '$3 ~ /bookworm-backports/ {print $2; exit}'; }
qv=""
[ "$bpo_ok" = 1 ] && qv=$(bpo_version qemu-system-x86)
if [ "$bpo_ok" = 1 ] && [ -z "$qv" ]; then
	[ "$(id -u)" = 0 ] && apt-get update -qq && qv=$(bpo_version qemu-system-x86)
fi
if [ -n "$qv" ]; then
	qdir="$cache/qemu/$(echo "$qv" | sed 's/^[0-9]*://')"
	if [ ! -e "$qdir/.done" ]; then
		# Libraries QEMU 10 links that are not installed yet (all of them
		# exist in bookworm at the versions it asks for).
		libs=$(apt-cache show "qemu-system-x86=$qv" | sed -n 's/^Depends: //p' | tr ',' '\n' |
			sed 's/^ *//; s/ .*//' | grep '^lib' || true)
		lmiss=""
		for p in $libs; do
			dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || lmiss="$lmiss $p"
		done
		if [ -n "$lmiss" ]; then
			echo "setup: installing QEMU 10's libraries:$lmiss"
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $lmiss
		fi
		echo "setup: unpacking qemu-system-x86 $qv into $qdir"
		rm -rf "$qdir.tmp" && mkdir -p "$qdir.tmp/debs" "$qdir.tmp/root"
		(cd "$qdir.tmp/debs" && apt-get -q -o APT::Sandbox::User=root download \
			"qemu-system-x86=$qv" "qemu-system-common=$qv" "qemu-system-data=$qv" \
			"seabios=$(bpo_version seabios)" >/dev/null)
		for d in "$qdir.tmp"/debs/*.deb; do dpkg-deb -x "$d" "$qdir.tmp/root"; done
		if ldd "$qdir.tmp/root/usr/bin/qemu-system-x86_64" | grep 'not found'; then
			echo "setup: QEMU $qv lacks the libraries above on this host" >&2
			exit 1
		fi
		rm -rf "$qdir.tmp/debs" "$qdir" && touch "$qdir.tmp/.done" && mv "$qdir.tmp" "$qdir"
	fi
	"$qdir/root/usr/bin/qemu-system-x86_64" -device igb,help >/dev/null 2>&1 ||
		{ echo "setup: $qdir/root/usr/bin/qemu-system-x86_64 does not run or lacks the igb model" >&2; exit 1; }
elif [ "$bpo_ok" = 1 ]; then
	echo "setup: no qemu-system-x86 in bookworm-backports; the backports VM lane will skip" >&2
fi
# iommufd for the backports guest kernel (vmtest.KernelBackportsIOMMUFD).
# Debian builds its 6.12 kernel without CONFIG_IOMMUFD and without
# CONFIG_VFIO_DEVICE_CDEV, so the guest has no /dev/iommu and no
# /dev/vfio/devices/vfioN. Everything iommufd needs from the built-in kernel
# is there and exported (the IOMMU core, the Intel IOMMU driver), except
# lib/interval_tree.c's span iterator, which only iommufd selects
# (CONFIG_INTERVAL_TREE_SPAN_ITER is not set): it is compiled into
# iommufd.ko. So the modules that change are built out of tree against the
# kernel's own headers package (its config, Module.symvers for modversions,
# vermagic) from the matching linux-source, with CONFIG_IOMMUFD=m and
# CONFIG_VFIO_DEVICE_CDEV=y: iommufd.ko, and the VFIO modules, because
# struct vfio_device grows (vfio, vfio_iommu_type1, vfio-pci-core, vfio-pci,
# mdev). Result: CACHE/iommufd/RELEASE/kernel/drivers/.../*.ko with VERSION
# (the kernel package's version; a new one rebuilds) and .done. About 2
# minutes from empty on 2 idle cores (download 280 MB, unpack, compile).
if [ -n "$qv" ]; then
	kv=$(bpo_version linux-image-amd64)
	kpkg=""
	[ -n "$kv" ] && kpkg=$(apt-cache depends "linux-image-amd64=$kv" | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ {print $2; exit}')
	if [ -z "$kpkg" ]; then
		echo "setup: no linux-image-amd64 in bookworm-backports; the iommufd VM scenario will skip" >&2
	else
		rel=${kpkg#linux-image-}
		kver=$(apt-cache madison "$kpkg" | awk -F' *[|] *' '$3 ~ /bookworm-backports/ {print $2; exit}')
		idir="$cache/iommufd/$rel"
		if [ ! -e "$idir/.done" ] || [ "$(cat "$idir/VERSION" 2>/dev/null)" != "$kver" ]; then
			echo "setup: building iommufd and the VFIO cdev modules for $kpkg $kver into $idir"
			t0=$(date +%s)
			abi=${rel%-amd64}
			series=$(echo "$rel" | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')
			w="$idir.tmp"
			rm -rf "$w" && mkdir -p "$w/debs" "$w/root" "$w/src"
			(cd "$w/debs" && apt-get -q -o APT::Sandbox::User=root download \
				"linux-source-$series=$kver" "linux-headers-$rel=$kver" \
				"linux-headers-$abi-common=$kver" "linux-kbuild-$abi=$kver" >/dev/null)
			for d in "$w"/debs/*.deb; do dpkg-deb -x "$d" "$w/root"; done
			hdr="$w/root/usr/src/linux-headers-$rel"
			# The headers package includes its -common half by absolute path.
			sed -i "s#^include /usr/src/#include $w/root/usr/src/#" "$hdr/Makefile"
			tar -C "$w/src" --strip-components=1 -xJf "$w/root/usr/src/linux-source-$series.tar.xz" \
				"linux-source-$series/drivers/iommu" "linux-source-$series/drivers/vfio" \
				"linux-source-$series/lib/interval_tree.c"
			ifd="$w/src/drivers/iommu/iommufd"
			{
				echo '// Added by gopkt scripts/setup.sh: the span iterator of lib/interval_tree.c,'
				echo '// which this kernel does not build in (CONFIG_INTERVAL_TREE_SPAN_ITER is not set).'
				echo '#include <linux/interval_tree.h>'
				echo '#define CONFIG_INTERVAL_TREE_SPAN_ITER 1'
				sed -n '/^#ifdef CONFIG_INTERVAL_TREE_SPAN_ITER/,/^#endif/p' "$w/src/lib/interval_tree.c" | grep -v EXPORT_SYMBOL
			} >"$ifd/span_iter.c"
			printf 'include $(src)/Makefile\niommufd-y += span_iter.o\n' >"$ifd/Kbuild"
			# The kernel's autoconf.h says the two options are off; the
			# defines turn them on for these modules only. No BTF (pahole).
			kb="CONFIG_IOMMUFD=m CONFIG_VFIO_DEVICE_CDEV=y CONFIG_DEBUG_INFO_BTF_MODULES="
			kc="-DCONFIG_IOMMUFD_MODULE=1 -DCONFIG_VFIO_DEVICE_CDEV=1"
			make -s -C "$hdr" M="$ifd" $kb KCFLAGS="$kc" -j"$(nproc)" modules
			make -s -C "$hdr" M="$w/src/drivers/vfio" $kb KCFLAGS="$kc" \
				KBUILD_EXTRA_SYMBOLS="$ifd/Module.symvers" -j"$(nproc)" modules
			mkdir -p "$w/out"
			(cd "$w/src" && find drivers -name '*.ko' | while read -r ko; do
				mkdir -p "$w/out/kernel/$(dirname "$ko")" && strip --strip-debug -o "$w/out/kernel/$ko" "$ko"
			done)
			[ -e "$w/out/kernel/drivers/iommu/iommufd/iommufd.ko" ] && [ -e "$w/out/kernel/drivers/vfio/pci/vfio-pci.ko" ] ||
				{ echo "setup: the iommufd build left no modules in $w/out" >&2; exit 1; }
			echo "$kver" >"$w/out/VERSION"
			rm -rf "$idir" && touch "$w/out/.done" && mv "$w/out" "$idir" && rm -rf "$w"
			echo "setup: iommufd modules built in $(($(date +%s) - t0)) s"
		fi
	fi
fi
echo "setup: ok"
