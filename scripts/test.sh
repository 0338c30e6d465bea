#!/bin/sh
# The one test command (README, .ci/run): setup, static checks, all tests
# (unit, host interop in network namespaces, QEMU VM scenarios), and the race
# detector on the packages with concurrency.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PATH:$(go env GOPATH)/bin"
# As root (CI), a VM or namespace test that cannot run is a failure, not a skip.
if [ "$(id -u)" = 0 ]; then
	export GOPKT_VM_REQUIRE=1
fi

echo "== gofmt"
bad=$(gofmt -l .)
[ -z "$bad" ] || { echo "gofmt would change: $bad" >&2; exit 1; }
echo "== go mod tidy -diff (both modules)"
go mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy" >&2; exit 1; }
(cd bench/netstack && go mod tidy -diff) || { echo "bench/netstack's go.mod/go.sum are not tidy: run go mod tidy there" >&2; exit 1; }
echo "== go vet"
go vet ./...
echo "== staticcheck"
staticcheck ./...
echo "== go test (unit, interop, VM lane)"
go test -count=1 -timeout 75m ./...
echo "== go test -race (concurrent packages)"
# All but the VM scenarios (TestVM*): those ran above, and the binaries a
# guest runs are built without the race detector, so under it they would
# only repeat the guest's work.
go test -count=1 -race -timeout 40m -skip '^TestVM' ./hw/... ./stack/... ./crypto/... ./drivers/... ./pktdump/... ./netif/... ./control/... ./socks/... \
	./tools/pktdump/... ./tools/gopkt/... ./tools/wlan/... ./tools/e1000-test/... ./tools/vfio-bind/... ./tools/vfio-probe/...
echo "== all tests passed"
