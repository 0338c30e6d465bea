#!/bin/sh
# setup-deps.sh installs, with apt, the Debian packages gopkt's tests need
# (Debian 12). It is idempotent: packages already installed are left alone,
# and nothing is done when all are present. Run as root (or through sudo).
#
#   VM lane (internal/vmtest): qemu-system-x86 (TCG guest), busybox-static
#     (the guest's userland), kmod (depmod over the guest kernel), cpio
#     (archive test peer), dpkg/apt (fetching the guest kernel and packages;
#     the kernel package itself is downloaded into the cache, not installed).
#   Discovery and bind (hw/pci, tools/vfio-bind): pci.ids (names), pciutils
#     (lspci as the test peer), iproute2 (ip as the netlink test peer).
#   Guest packages the scenarios unpack from the host's libraries:
#     tcpdump (and libpcap0.8 with it).
set -eu

pkgs="qemu-system-x86 busybox-static kmod cpio pci.ids pciutils iproute2 tcpdump"

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	echo "setup-deps: all present:$(printf ' %s' $pkgs)"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
echo "setup-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# The guest kernel is fetched later with apt-get download, which needs
# current package lists too.
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
echo "setup-deps: done"
