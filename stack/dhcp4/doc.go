// Package dhcp4 is the stack's DHCPv4 client (RFC 2131, options from
// RFC 2132): it obtains an address lease for one Ethernet interface,
// applies it (address, prefix, default route) through the stack's public
// API, keeps it alive with T1/T2 renewal and rebinding, and removes it on
// expiry, DHCPNAK, Release or Close.
//
// # Where to start
//
//	c, err := dhcp4.New(dhcp4.Config{Interface: ifc, IP: ip})
//	err = c.Start()
//	lease, err := c.WaitBound(ctx)   // lease.Addr is on ifc now
//	…
//	err = c.Release()                // DHCPRELEASE, address removed
//
// Config.OnEvent reports bound, renewed, rebound, expired, NAK, declined and
// released leases; Stats counts messages by type, retransmissions and
// malformed or ignored replies.
//
// The wire format has the shape of stack/wire: Message is a view of a DHCP
// message with a checked constructor (NewMessage), Fields/Encode
// (MessageFields), an allocation-free option iterator (Options.Next),
// Walk (which follows option overload, RFC 2132 §9.3, into file and
// sname), Params (the options the client uses, length-checked) and
// OptionWriter. EncodeFrame builds the Ethernet+IPv4+UDP frame around a
// message.
//
// # Layer and transport
//
// The client sits beside IPv4, not on top of UDP: like ISC dhclient's BPF
// path and busybox udhcpc, it talks to the link directly because the
// interface has no address yet. It transmits complete frames (0.0.0.0:68 →
// 255.255.255.255:67, Ethernet broadcast) through Interface.Transmit, and
// receives with a hook at the stack's Ethernet-in point (pfil), which takes
// every UDP datagram to port 68 on its interface before IPv4 sees it and
// watches ARP during the address check. Unicast messages (DHCPREQUEST in
// RENEWING, DHCPRELEASE) go through ipv4.Output, which routes and resolves
// the server with ARP.
//
// # State machine
//
// RFC 2131 §4.4 Figure 5: INIT → SELECTING (DHCPDISCOVER, first acceptable
// DHCPOFFER wins) → REQUESTING (DHCPREQUEST with the offer's server id) →
// CHECKING (two ARP probes, RFC 5227 §2.1.1; an answer sends DHCPDECLINE
// and restarts after 10 s) → BOUND → RENEWING at T1 (unicast) →
// REBINDING at T2 (broadcast) → INIT at expiry. INIT-REBOOT/REBOOTING is
// used when Config.RequestedAddr names a remembered address. Replies must
// match xid and chaddr; retransmissions back off 4, 8, 16, 32, 64 s ±1 s
// (RFC 2131 §4.1), in RENEWING/REBINDING half the remaining time, at least
// RenewMin (§4.4.5). All timers run on Config.Clock, so tests drive hours
// of lease time with clocktest.Clock (package clock) and no sleeps.
//
// # Concurrency and ownership
//
// One goroutine per client runs the state machine; the hook runs on the
// interface's receive goroutine, copies the DHCP payload of a matching
// frame into a fresh slice, frees the mbuf and queues the copy (a full
// queue is counted in Stats.RxDropped). DHCP is control traffic: messages
// allocate, the data path does not see the client at all except for one
// hook call per received frame, which costs three header checks for frames
// that are not DHCP. Frames the client sends are pool buffers handed to
// the interface, which owns them from then on. OnEvent runs on the client
// goroutine.
//
// # Tests
//
// Unit tests run the client against dhcp4test.Server on a second stack over
// an in-memory link, on a manual clock (exact message bytes, backoff,
// T1/T2, expiry, NAK, DECLINE after an ARP answer, INIT-REBOOT, RELEASE,
// malformed replies). As root, the interop tests run it against busybox
// udhcpd on a TAP device in a network namespace: lease, ping both ways,
// renewals of a 12-second lease, DHCPRELEASE in udhcpd's lease file,
// tcpdump's decode, a DECLINE of an address Linux holds, and the time to a
// lease beside busybox udhcpc.
//
// # What it does not do
//
// No DHCPINFORM, no keeping a remembered address when no server answers
// in REBOOTING (RFC 2131 §3.2 MAY; the client goes to INIT), no
// relay-agent handling beyond accepting relayed replies,
// no lease persistence across restarts (pass the old address in
// RequestedAddr for INIT-REBOOT), no reading of fragmented replies (they
// go to IPv4), no collection of several offers before choosing, no
// initial 1–10 s random start delay (RFC 2131 §4.4.1 SHOULD; the client
// starts at once), no DNS resolver configuration (the servers are reported
// in Lease.DNS), no interface MTU change from option 26 (reported only),
// no RFC 4361 client identifiers and no DHCPv6.
package dhcp4
