package gre_test

import (
	"net/netip"
	"testing"

	"github.com/gopkt/gopkt/stack/iface/gre"
	"github.com/gopkt/gopkt/stack/iface/internal/tunnel/tunneltest"
)

// FuzzGREInput hands arbitrary protocol-47 payloads from the tunnels'
// remote to the module, with two tunnels (key 42, and keyless) whose
// interfaces are down, so every inner packet is freed on delivery: the
// pool is full after each input and nothing panics.
func FuzzGREInput(f *testing.F) {
	f.Add([]byte{0x00, 0x00, 0x08, 0x00, 0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 198, 18, 71, 2, 198, 18, 71, 1})
	f.Add([]byte{0x20, 0x00, 0x08, 0x00, 0, 0, 0, 42, 0x45})
	f.Add([]byte{0x20, 0x00, 0x08, 0x00, 0, 0, 0, 43})
	f.Add([]byte{0xb0, 0x00, 0x86, 0xdd, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 1, 0x60})
	f.Add([]byte{0x00, 0x01, 0x88, 0x0b})
	f.Add([]byte{0x40, 0x00, 0x08, 0x00})
	tunneltest.FuzzInput(f, gre.New(), func(l, r netip.Addr) []gre.Config {
		return []gre.Config{{Local: l, Remote: r, Key: 42, HasKey: true}, {Local: l, Remote: r}}
	})
}
