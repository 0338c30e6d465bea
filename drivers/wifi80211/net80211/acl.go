package net80211

import "net"

// ACLPolicy selects how the MAC access control list is applied.
type ACLPolicy uint8

// Policies (NetBSD ieee80211_acl: ACL_POLICY_OPEN, ALLOW, DENY).
const (
	ACLOpen  ACLPolicy = iota // every address passes
	ACLAllow                  // only listed addresses pass
	ACLDeny                   // listed addresses are refused
)

// ACL is a MAC address access control list. A STA applies it to the
// BSSIDs it would join; an AP (the test AP) to the stations it admits.
// Not safe for concurrent modification; the owning Com's lock covers it.
type ACL struct {
	Policy ACLPolicy
	macs   map[[6]byte]struct{}
}

// Add lists an address.
func (a *ACL) Add(mac net.HardwareAddr) {
	if a.macs == nil {
		a.macs = make(map[[6]byte]struct{})
	}
	a.macs[[6]byte(mac)] = struct{}{}
}

// Remove unlists an address.
func (a *ACL) Remove(mac net.HardwareAddr) { delete(a.macs, [6]byte(mac)) }

// Flush empties the list.
func (a *ACL) Flush() { clear(a.macs) }

// Len returns the number of listed addresses.
func (a *ACL) Len() int { return len(a.macs) }

// Check reports whether mac may pass.
func (a *ACL) Check(mac net.HardwareAddr) bool {
	if a == nil || len(mac) != 6 {
		return a == nil || a.Policy == ACLOpen
	}
	_, listed := a.macs[[6]byte(mac)]
	switch a.Policy {
	case ACLAllow:
		return listed
	case ACLDeny:
		return !listed
	}
	return true
}
