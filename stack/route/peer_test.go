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
//	                                  (little endian, the index of the
//	                                  route's gateway and interface in
//	                                  hops-N.bin)
//	hops-1.bin, hops-1000000.bin      the next hops, one 12-byte record per
//	                                  id: gateway (big endian, zero when
//	                                  on-link), interface index (little
//	                                  endian), 1 if on-link, 3 bytes zero
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
		type nh struct {
			gw      netip.Addr
			ifindex int
		}
		ids := map[nh]uint32{}
		var hops []byte
		buf := make([]byte, 0, 12*len(rs))
		for _, r := range rs {
			id, ok := ids[nh{r.Gateway, r.IfIndex}]
			if !ok {
				id = uint32(len(ids))
				ids[nh{r.Gateway, r.IfIndex}] = id
				var gw [4]byte
				onLink := byte(1)
				if r.Gateway.IsValid() {
					gw, onLink = r.Gateway.As4(), 0
				}
				hops = append(hops, gw[:]...)
				hops = binary.LittleEndian.AppendUint32(hops, uint32(r.IfIndex))
				hops = append(hops, onLink, 0, 0, 0)
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
		name = filepath.Join(*peerDump, fmt.Sprintf("hops-%d.bin", s.n))
		if err := os.WriteFile(name, hops, 0o644); err != nil {
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
