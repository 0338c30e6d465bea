package route

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// peerDump is where TestPeerInput writes the benchmarks' tables and probes
// for bench/route's DPDK peer (lpm_bench.c), so that both sides look up the
// same addresses in the same routes.
var peerDump = flag.String("route.peer-dump", "", "write the benchmark tables and probes for bench/route's DPDK peer into this directory")

// TestPeerInput writes, with -route.peer-dump DIR:
//
//	routes-1.bin, routes-1000000.bin  the tables of BenchmarkNextHopScale's
//	                                  random-1 and bgp-1000000 cases (with
//	                                  their 0.0.0.0/0), one 12-byte record
//	                                  per route: address (big endian),
//	                                  length, 3 bytes zero, next-hop id
//	                                  (little endian, the record's gateway
//	                                  index among the table's gateways)
//	probes.bin                        probes(), 4 bytes each, big endian
//
// Without the flag it has nothing to do.
func TestPeerInput(t *testing.T) {
	if *peerDump == "" {
		t.Skip("writes bench/route's DPDK input only with -route.peer-dump DIR")
	}
	for _, s := range []struct {
		n   int
		bgp bool
	}{{1, false}, {1000000, true}} {
		rng := rand.New(rand.NewPCG(uint64(s.n), 1))
		rs := randRoutes(rng, s.n, 8, 32, s.bgp)
		peers(rs)
		rs = append(rs, Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), IfIndex: 1})
		ids := map[netip.Addr]uint32{}
		buf := make([]byte, 0, 12*len(rs))
		for _, r := range rs {
			id, ok := ids[r.Gateway]
			if !ok {
				id = uint32(len(ids))
				ids[r.Gateway] = id
			}
			a := r.Prefix.Addr().As4()
			buf = append(buf, a[:]...)
			buf = append(buf, byte(r.Prefix.Bits()), 0, 0, 0)
			buf = binary.LittleEndian.AppendUint32(buf, id)
		}
		name := filepath.Join(*peerDump, fmt.Sprintf("routes-%d.bin", s.n))
		if err := os.WriteFile(name, buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ps := probes()
	buf := make([]byte, 0, 4*len(ps))
	for _, p := range ps {
		buf = append(buf, p[:]...)
	}
	if err := os.WriteFile(filepath.Join(*peerDump, "probes.bin"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
