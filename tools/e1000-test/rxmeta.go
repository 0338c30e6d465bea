package main

import (
	"fmt"
	"io"
	"sort"

	"github.com/gopkt/gopkt/hw/mbuf"
)

// rxMetaFlags are the receive metadata flags rx reports: a stripped 802.1Q
// tag and the device's checksum verdicts (82574L).
const rxMetaFlags = mbuf.FlagVLAN | mbuf.FlagIPCsumOK | mbuf.FlagIPCsumBad | mbuf.FlagL4CsumOK | mbuf.FlagL4CsumBad

// rxMetaCounts counts what the driver put in mbuf.Meta: frames per VLAN ID
// (the tag the NIC stripped) and the hardware checksum verdicts.
type rxMetaCounts struct {
	vlan                     map[uint16]uint64
	ipOK, ipBad, l4OK, l4Bad uint64
}

func (m *rxMetaCounts) add(meta *mbuf.Meta) {
	f := meta.Flags
	if f&mbuf.FlagVLAN != 0 {
		if m.vlan == nil {
			m.vlan = map[uint16]uint64{}
		}
		m.vlan[meta.VLAN&0x0fff]++
	}
	switch {
	case f&mbuf.FlagIPCsumOK != 0:
		m.ipOK++
	case f&mbuf.FlagIPCsumBad != 0:
		m.ipBad++
	}
	switch {
	case f&mbuf.FlagL4CsumOK != 0:
		m.l4OK++
	case f&mbuf.FlagL4CsumBad != 0:
		m.l4Bad++
	}
}

// print writes one line per VLAN ID seen and one for the checksum verdicts
// when the device gave any.
func (m *rxMetaCounts) print(w io.Writer) {
	ids := make([]int, 0, len(m.vlan))
	for id := range m.vlan {
		ids = append(ids, int(id))
	}
	sort.Ints(ids)
	for _, id := range ids {
		fmt.Fprintf(w, "rx: vlan %d: %d frames (tag stripped by the NIC)\n", id, m.vlan[uint16(id)])
	}
	if m.ipOK+m.ipBad+m.l4OK+m.l4Bad > 0 {
		fmt.Fprintf(w, "rx: hardware checksums: ipv4 ok %d bad %d, tcp/udp ok %d bad %d\n", m.ipOK, m.ipBad, m.l4OK, m.l4Bad)
	}
}
