// Command gopkt is the io-pkt-style daemon: one process that loads drivers
// and protocols named on its command line into one in-process stack, the
// way QNX's "io-pkt-v6-hc -d e1000 pci=0 -p tcpip" does, configures
// interfaces and routes, and runs until SIGINT or SIGTERM.
//
//	gopkt -d e1000 pci=0000:00:02.0 -p ipv4 -p udp --ifconfig em0=198.18.0.2/24 --udp-echo 7
//	gopkt -d tap linux=gpk0 -d loop -p ipv4,forwarding=on -p udp --ifconfig tap0=198.18.1.1/24 \
//	      --route default=198.18.1.254 --filter 'drop udp port 9' --dump tap0=/tmp/tap0.pcap,icmp
//	gopkt -d tap linux=gpk0 -p ipv4 -p tcp,cc=cubic --ifconfig tap0=198.18.1.1/24 --tcp-echo 7 --http /srv/www
//
// It sits on top of everything: hw (the mbuf pool), vfio and drivers/e1000
// (through netif/em), stack/iface/tap, the stack with stack/ipv4 and
// stack/udp, stack/pfil's example filter and stack/bpf/capture taps written
// by pktdump's Run, and package control's server. gopkt -h lists the
// drivers and protocols.
//
// # Where to start
//
// table.go is the explicit table of loaders (no init() registration):
// drivers e1000, tap and loop (drivers.go), tun, vlan and bridge
// (l2drivers.go: "-d vlan parent=em0,vid=5", "-d bridge members=tap0+tap1"
// with ageing=DURATION and 802.1D spanning tree with stp=on (priority=N,
// hello=, maxage=, fwddelay=); each bridge's members, spanning tree (IDs,
// root port, member roles) and FDB are in the status, l2status.go;
// interfaces they build on come from earlier -d lines), gre and gif
// (tunneldrivers.go: "-d gre local=A,remote=B,key=42"), protocols ipv4,
// udp, tcp and icmp
// (protocols.go; ICMP is part of IPv4, so -p icmp only tunes it). config.go
// parses and checks the whole command line before anything is opened; each
// mistake is a usage error (exit status 2) saying what to write instead.
// daemon.go builds the process in a fixed order:
//
//  1. drivers' Open, in command-line order: e1000 claims its PCI function
//     in one shared VFIO container (an unbound device fails with the
//     vfio-bind command that fixes it);
//  2. the mbuf pool, in that container's DMA memory (also when no PCI
//     driver is loaded: the container maps it into the IOMMU whenever a
//     device joins, so an e1000 can be mounted later), so every NIC and
//     layer shares it, and its
//     budget (budget.go): a reserve sized from the drivers' rings that
//     parked buffers (socket queues, ARP hold queues, reassembly) never
//     take (a mount grows it by the new rings, or is refused when the
//     pool cannot serve them; an unmount shrinks it);
//  3. the stack with the protocols (stack.Options.Protocols);
//  4. drivers' Attach, in command-line order (interfaces em0, tap0, lo1 ...
//     unless name= is given; arp=off marks them NOARP);
//  5. --ifconfig, --route and --routes FILE (ip route's text, each family
//     added in one batch: routesfile.go), --arp, --filter ("drop ..." rules are a
//     pfil.AddrFilter on an IPv4 hook; "pass"/"block" rules are one stack/pf
//     rule set on IPv4's in, out and forward hooks, pf.go), --dump (a
//     capture tap per interface), then the services: --udp-echo (RFC 862),
//     --udp-sink (sockets bound and never read: a slow reader, bounded by
//     the budget), --tcp-echo and --tcp-discard (RFC 862, 863;
//     tcpservices.go), --http DIR (net/http's file server on the stack's
//     TCP port 80; the TCP services listen dual stack on [::] when -p ipv6
//     is loaded, tcplisten.go), --ping (RTTs printed as ping does), and a goroutine
//     calling the drivers' slow path (Service) twice a second
//     (e1000 devices need none here: em.Attach runs their housekeeping).
//     Link state is the stack's: each interface follows its port's link
//     events, logs changes, and drops TX while the link is down.
//
// Once running, the control socket (--control PATH, default
// /run/gopkt/gopkt.sock; control.go, ctl*.go) serves gopktctl: interface
// list, up/down and addresses, routes, neighbours, sockets, every counter
// (ctlstats.go: the stack's, the ports', the drivers' hardware counters,
// protocols, pool, budget, quotas), a pcap capture stream, the log
// (logring.go keeps the last 1000 lines) and runtime mount/umount of
// drivers from the same registry as -d (ctlmount.go; an e1000 through
// VFIO too, into a daemon started without one), ping from the stack
// (ctlping.go), sockets for other processes: TCP connections (ctldial.go:
// the control connection carries the byte stream, control.Client.DialTCP
// returns it as a net.Conn), TCP listeners (ctllisten.go: a connection
// holds the listener, each accepted connection is a pipe of its own,
// control.Client.ListenTCP) and UDP sockets (ctludp.go: datagrams framed
// with their addresses, control.Client.ListenPacket and DialUDP), and load and unload of udp and tcp (ctlproto.go: the
// transport leaves IPv4's table, its sockets close, the services on it
// stop, and come back on load). Root and
// --control-group members are served, others refused with a reason and a
// log line. --metrics serves the same counters to Prometheus (metrics.go,
// loopback or a Unix socket only); --drop-caps keeps only CAP_NET_ADMIN
// and CAP_IPC_LOCK once set up (privs.go); --socks is a SOCKS5 front
// (package socks: CONNECT over the stack's TCP, UDP ASSOCIATE over its
// UDP; socks.go); systemd/gopkt.service runs it as a service.
//
// SIGUSR1 prints the status (status.go): interfaces with the stack's and
// the port's counters, routes, the ARP table, IPv4/ICMP/ARP/UDP/TCP
// counters, a netstat-style TCP socket list with the recently closed (tcpstatus.go), filters,
// dumps, sinks, and the pool with its budget and every quota (limit, in
// use, peak, refusals by reason; budget.go), with the refusals of UDP
// sockets, ARP hold queues and reassembly by reason. On SIGINT or SIGTERM
// gopkt prints the status, then stop undoes step 5 to 1: services closed,
// dumps drained into their files, interfaces detached (drivers return
// their ring buffers and close their devices), the stack closed, and the
// pool checked. It prints
// "pool: N/N buffers free"; the exit status is 1 when buffers leaked, a
// --ping got no reply, or setup failed, else 0.
//
// # Tests
//
// config_test.go pins every usage error; daemon_test.go runs the whole
// command in process over two e1000 device models on one hub
// (drivers/e1000/e1000test), a peer stack on the second; tap_test.go runs
// it on a tap device whose Linux end is in a network namespace (root);
// hostile_test.go is the hostile network (issue 9): Linux floods the
// daemon on three taps (internal/hosttest/flood) while another namespace
// pings it, and the status must show the pings answered, every refusal by
// its reason, no receive refill failure, and the pool full at exit;
// vm_test.go runs it over QEMU's e1000 through VFIO in the VM lane against
// the guest's Linux on a second e1000 (internal/udpcheck is the Linux-side
// UDP client there); vm_tcp_test.go is TCP's VM lane: busybox wget
// downloads from --http and internal/tcpcheck streams through --tcp-echo
// (SHA-256 compared), clean and with netem (1% loss, 20 ms) in the guest;
// vm_netem_test.go is issue 10's netem matrix (GOPKT_NETEM=1), which
// takes out of each stall the time the guest did not run: QEMU's threads
// waiting for the host (vm_sched_test.go, from /proc schedstat) or every
// guest CPU late to wake a thread pinned to it (internal/cpuwatch, in the
// guest);
// tcp6_test.go reaches the dual-stack TCP services over IPv6 and IPv4
// from a namespace and reads the IPv6 sockets in the status;
// vm_mount_test.go starts the daemon with no driver and mounts, uses
// (pings both ways, UDP echo) and unmounts the guest's e1000 through VFIO
// with gopktctl twenty times, the last seventeen under a pinger, checking
// the pool, the budget's reserve and the daemon's file descriptors after
// every cycle and that vfio-probe can open the device between mounts; mount_test.go is the same on a tap, 20 times.
// ctlsockets_test.go is the socket kinds through the control socket with
// Linux as the peer (a listener Linux connects to, UDP both ways,
// gopktctl nc -l, -u and -u -l, unload and daemon stop under open
// sockets); ctllisten_test.go and ctludp_test.go the same over lo0, with
// nettest.TestConn and concurrent use.
// ctlproto_test.go unloads and loads udp and tcp over the device model;
// proto_test.go does it through gopktctl with Linux's UDP socket (on a
// tap) as the client, which sees ENOPROTOOPT while UDP is out.
//
// # What it does not do
//
// No DHCP, one e1000 queue per port. Only udp and tcp
// load and unload at run time (ctlproto.go: from IPv4 and IPv6 both);
// ipv4 and ipv6 are fixed at start, and udp and tcp stay while --socks
// runs.
// For outside programs: no domain-name resolution through the control
// socket (names must be IP literals); a datagram the daemon cannot send
// (no route, no neighbour) is lost as on the way, while the ICMP errors a
// connected UDP socket receives reach its owner's next read (ctludp.go).
package main
