package net80211

import (
	"net"
	"time"
)

// NodeStats counts per-peer traffic.
type NodeStats struct {
	RxFrames, RxBytes   uint64
	TxFrames, TxBytes   uint64
	TxFailed, TxRetries uint64
	RxDup               uint64 // retransmissions dropped by the duplicate cache
	RxDecryptErr        uint64
	RxReplay            uint64
}

// Node is one peer the vap knows (NetBSD struct ieee80211_node): for a STA,
// its access point. The node owns the pairwise key.
type Node struct {
	MAC        net.HardwareAddr
	AID        uint16
	Capability uint16
	Rates      []Rate // operational rates, ascending, basic bit stripped
	FreqMHz    int
	RSSI       int8 // last signal in dBm
	AvgRSSI    int  // EWMA of the signal in 1/8 dBm
	LastSeen   time.Time
	Stats      NodeStats
	PTK        *Key
	// retiredPTK is the pairwise key the last rekey replaced. Frames the
	// card decrypted with it while they sat in the RX ring are checked
	// against its own replay counters, not the new key's; it is wiped at
	// the next rekey or when the keys are cleared.
	retiredPTK *Key
	// ptkConfirmed: a frame arrived under PTK, so the AP has switched to
	// it and frames under retiredPTK are no longer expected from the air.
	ptkConfirmed bool

	// QoS: the association negotiated WMM (our Information element in
	// the request, the AP's Parameter element in the response), so data
	// goes as QoS Data (9.2.4.5); HT: both sides announced HT
	// Capabilities.
	QoS, HT bool

	rate     RateNode
	txSeq    uint16
	txSeqTID [NumTIDs]uint16
	rxSeq    [NumTIDs + 1]uint16
	rxSeen   [NumTIDs + 1]bool
	frag     defrag
	// rxba holds the receive side of each TID's Block Ack agreement
	// (reorder.go), nil where there is none.
	rxba [NumTIDs]*reorder
}

// observe records a received frame's signal.
func (n *Node) observe(signal int8, now time.Time) {
	n.RSSI = signal
	if n.AvgRSSI == 0 {
		n.AvgRSSI = int(signal) * 8
	} else {
		n.AvgRSSI += int(signal) - n.AvgRSSI/8
	}
	n.LastSeen = now
}

// nextSeq returns the next sequence number for a frame to this node
// (one counter for all non-QoS traffic, 10.3.2.11.2).
func (n *Node) nextSeq() uint16 {
	s := n.txSeq
	n.txSeq = (n.txSeq + 1) & 0xfff
	return s
}

// nextSeqTID returns the next sequence number of a QoS data frame of TID
// tid (one counter per TID, 10.3.2.11.2).
func (n *Node) nextSeqTID(tid uint8) uint16 {
	s := n.txSeqTID[tid&0xf]
	n.txSeqTID[tid&0xf] = (s + 1) & 0xfff
	return s
}

// isDup implements the receiver's duplicate cache (10.3.2.11.3): a frame
// with Retry set and the same sequence control as the last one from this
// peer and TID is a retransmission.
func (n *Node) isDup(idx int, seqCtl uint16, retry bool) bool {
	if retry && n.rxSeen[idx] && n.rxSeq[idx] == seqCtl {
		return true
	}
	n.rxSeq[idx], n.rxSeen[idx] = seqCtl, true
	return false
}

// NodeTable holds the nodes of one vap, keyed by MAC address.
type NodeTable struct {
	nodes map[[6]byte]*Node
}

// Create returns the node for mac, making it if needed.
func (t *NodeTable) Create(mac net.HardwareAddr, now time.Time) *Node {
	if t.nodes == nil {
		t.nodes = make(map[[6]byte]*Node)
	}
	key := [6]byte(mac)
	if n, ok := t.nodes[key]; ok {
		return n
	}
	n := &Node{MAC: net.HardwareAddr(key[:]), LastSeen: now}
	t.nodes[key] = n
	return n
}

// Find returns the node for mac or nil.
func (t *NodeTable) Find(mac net.HardwareAddr) *Node {
	if len(mac) != 6 {
		return nil
	}
	return t.nodes[[6]byte(mac)]
}

// Remove deletes a node and wipes its pairwise key.
func (t *NodeTable) Remove(mac net.HardwareAddr) {
	if n := t.Find(mac); n != nil {
		if n.PTK != nil {
			n.PTK.Wipe()
		}
		if n.retiredPTK != nil {
			n.retiredPTK.Wipe()
		}
		delete(t.nodes, [6]byte(mac))
	}
}

// AgeOut removes nodes not heard from for maxIdle, except keep, and returns
// how many it removed (NetBSD ieee80211_timeout_nodes).
func (t *NodeTable) AgeOut(now time.Time, maxIdle time.Duration, keep net.HardwareAddr) int {
	removed := 0
	for k, n := range t.nodes {
		if keep != nil && [6]byte(keep) == k {
			continue
		}
		if now.Sub(n.LastSeen) > maxIdle {
			t.Remove(n.MAC)
			removed++
		}
	}
	return removed
}

// Len returns the number of nodes.
func (t *NodeTable) Len() int { return len(t.nodes) }
