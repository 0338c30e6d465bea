// Command pktdump captures frames from a Linux interface (AF_PACKET, the
// filter compiled by gopkt's stack/bpf and attached in the kernel) and
// writes a pcap file or prints one line per frame, like a small tcpdump:
//
//	pktdump -i veth0 -c 10 udp port 53
//	pktdump -i veth0 -w dns.pcap -s 256 'udp port 53 or icmp'
//	pktdump -r in.pcap -w dns.pcap udp port 53   # filter a file, like tcpdump -r
//	pktdump -d 'tcp port 80'            # print the compiled program and exit
//
// In-process interfaces of a gopkt stack are captured by the daemon, which
// calls pktdump.Run with a capture.Tap as the source.
package main
