#!/bin/sh
# Side by side, packets per second of 60-byte frames from a Linux sender
# namespace to a Linux receiver namespace through: a Linux bridge (veth
# members), our bridge (TAP members), a Linux router with an nftables
# forward chain of 10 non-matching rules and an accept (veth), and our
# stack forwarding with pf holding the same rules (TAP). doc.go says what
# each side does per frame. Needs root, iproute2 and nftables.
set -e
cd "$(dirname "$0")/../.."
GOPKT_BENCH=1 exec go test -count=1 -timeout 20m -run TestBenchL2Peer -v ./bench/l2peer "$@"
