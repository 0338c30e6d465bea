package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gopkt/gopkt/stack/iface/bridge"
)

// statusBridges prints each bridge's members with their counters and its
// filtering database, one learned address a line in the shape of Linux's
// "bridge fdb show" ("MAC dev MEMBER"), with the time since the address
// was last seen. An address gone from the list has aged out. With spanning
// tree on, a line gives the bridge's and the root's IDs (priority.MAC, as
// Linux's sysfs bridge_id), the root path cost and port, and each member
// its role (root, designated, blocked) after its state.
func (d *daemon) statusBridges(b *strings.Builder) {
	for _, ifc := range d.s.Interfaces() {
		if _, ok := ifc.Port().(*bridge.Bridge); !ok {
			continue
		}
		br, err := bridge.Of(ifc)
		if err != nil {
			continue
		}
		c := br.Counters()
		fmt.Fprintf(b, "bridge %s: ageing %v; learned %d moved %d evicted %d; local in %d out %d drops %d; clone failures %d\n",
			ifc.Name(), br.AgeingTime(), c.Learned, c.Moved, c.Evicted, c.LocalIn, c.LocalOut, c.LocalDrops, c.CloneFails)
		st := br.STP()
		role := map[string]string{}
		if st.Enabled {
			rp := st.RootPort
			if rp == "" {
				rp = "none (this bridge is the root)"
			}
			fmt.Fprintf(b, "  stp on: bridge id %v root %v cost %d root port %s; bpdus in %d out %d bad %d; changes %d\n",
				st.Bridge, st.Root, st.RootCost, rp, st.BPDUsIn, st.BPDUsOut, st.BadBPDUs, st.Changes)
			for _, p := range st.Ports {
				role[p.Member] = " " + p.Role
			}
		} else {
			fmt.Fprintf(b, "  stp off\n")
		}
		for _, m := range br.Members() {
			s := m.Stats()
			fmt.Fprintf(b, "  member %s %v%s: rx %d forwarded %d flooded %d local %d filtered %d dropped %d flood-limited %d blocked %d; tx %d\n",
				m.Interface().Name(), m.State(), role[m.Interface().Name()], s.RxPackets, s.Forwarded, s.Flooded, s.Local, s.Filtered, s.Dropped, s.FloodLimited, s.Blocked, s.TxPackets)
		}
		fdb := br.FDB()
		slices.SortFunc(fdb, func(x, y bridge.Entry) int { return strings.Compare(x.MAC.String(), y.MAC.String()) })
		fmt.Fprintf(b, "  fdb (%d):\n", len(fdb))
		for _, e := range fdb {
			fmt.Fprintf(b, "    %v dev %s age %v\n", e.MAC, e.Member, time.Duration(e.Age).Round(time.Millisecond))
		}
	}
}
