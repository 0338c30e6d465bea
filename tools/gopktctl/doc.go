// Command gopktctl configures and watches a running gopkt daemon through
// its control socket (package control), the way ifconfig, route, arp,
// netstat, nicinfo, tcpdump and sloginfo work against QNX's io-pkt:
//
//	gopktctl ifconfig                              # interfaces, like ip addr
//	gopktctl ifconfig tap0 up add 198.18.0.2/24
//	gopktctl route add default via 198.18.0.1
//	gopktctl ifconfig tap0 add 2001:db8:5::2/64       # IPv6 the same way
//	gopktctl route add 2001:db8:9::/48 via 2001:db8:5::1
//	gopktctl arp                                   # ARP and NDP entries
//	gopktctl --json netstat
//	gopktctl stat tap0 ipv4                         # every counter, nicinfo-style
//	gopktctl dump tap0 -c 100 -f icmp | tshark -r -
//	gopktctl log -n 50 -f
//	gopktctl mount -d tap linux=gpk1               # attach a driver at run time
//	gopktctl mount -d e1000 pci=0000:00:02.0       # an e1000 through VFIO, too
//	gopktctl umount tap1
//	gopktctl ping -c 3 198.18.0.1                  # echo requests from the daemon's stack
//	gopktctl proto unload udp                      # transports out of and into the stack
//	gopktctl proto load tcp,cc=newreno
//	echo hi | gopktctl nc 198.18.0.1:7             # a TCP connection from the daemon's stack
//	gopktctl get http://198.18.0.1:8080/blob        # net/http over the daemon's stack: SHA-256 of the body
//	gopktctl nc -l 8080                            # a TCP listener of the daemon's stack (one connection)
//	echo hi | gopktctl nc -u -w 2s 198.18.0.1:53    # UDP: a datagram per line, replies on stdout
//	gopktctl nc -u -l 5300                         # UDP: datagrams on stdout, stdin to the last sender
//
// Every verb takes --json (the daemon's answer as JSON; for dump a summary
// on stderr, since stdout carries the pcap). The socket is --socket PATH,
// GOPKT_SOCKET, or /run/gopkt/gopkt.sock; the daemon serves root and its
// --control-group members and refuses everyone else with a reason.
//
// One file per verb group: ifconfig.go (ifconfig), route.go (route, arp),
// netstat.go, stat.go, dump.go (dump, log), mount.go (mount, umount,
// drivers), ping.go, proto.go, nc.go, get.go. Exit status: 0 done, 1 refused or
// failed (ping: no reply), 2 usage mistake.
package main
