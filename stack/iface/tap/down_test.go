package tap_test

import (
	"fmt"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// The announcement an address sends before Linux brings the TAP up is
// refused by the kernel (EIO): the port counts it as dropped because the
// Linux end was down, not as a transmit error.
func TestTxWhileLinuxDownIsADrop(t *testing.T) {
	need(t)
	pool := stacktest.NewPool(t, 128)
	prefix := fmt.Sprintf("gpd%d_", os.Getpid()%100000)
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ipv4.New(ipv4.Options{})},
		Cloners: []stack.Cloner{&tap.Cloner{Pool: pool, LinuxPrefix: prefix}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ifc, err := s.Create("tap1")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddAddress(ifc, netip.MustParsePrefix("198.18.9.1/24")); err != nil {
		t.Fatal(err)
	}
	var ps port.Stats
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		ps = ifc.Port().Stats()
		if ps.TxDropped > 0 {
			break
		}
	}
	if ps.TxDropped == 0 || ps.TxErrors != 0 || ps.TxPackets != 0 {
		t.Errorf("announcement to a down TAP: tx dropped %d errors %d packets %d, want dropped ≥ 1, no error, none sent", ps.TxDropped, ps.TxErrors, ps.TxPackets)
	}
}
