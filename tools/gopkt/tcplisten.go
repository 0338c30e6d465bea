package main

import (
	"strconv"

	"github.com/gopkt/gopkt/stack/tcp"
)

// listenAll opens a service's listener on every address: [::] dual stack
// (IPv4 clients as IPv4-mapped peers, as Go's "tcp" on ":port") when
// -p ipv6 is loaded, 0.0.0.0 otherwise.
func listenAll(t *tcp.TCP, port uint16) (*tcp.Listener, error) {
	return t.Listen("tcp", ":"+strconv.Itoa(int(port)))
}
