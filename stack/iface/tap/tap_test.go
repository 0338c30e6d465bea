package tap_test

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
)

func TestClonerCreatesAndDestroysLinuxDevice(t *testing.T) {
	need(t)
	pool := stacktest.NewPool(t, 128)
	prefix := fmt.Sprintf("gpc%d_", os.Getpid()%100000)
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ipv4.New(ipv4.Options{})},
		Cloners: []stack.Cloner{&tap.Cloner{Pool: pool, LinuxPrefix: prefix}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ifc, err := s.Create("tap3")
	if err != nil {
		t.Fatal(err)
	}
	linux := prefix + "3"
	out, err := exec.Command("ip", "-o", "link", "show", linux).CombinedOutput()
	if err != nil || !strings.Contains(string(out), linux+":") {
		t.Fatalf("Linux device %s missing: %v %s", linux, err, out)
	}
	if ifc.Port().(*tap.Port).Name() != linux || ifc.MTU() != 1500 || ifc.MAC()[0]&3 != 2 {
		t.Errorf("tap3: linux name %s, mtu %d, mac %v", ifc.Port().(*tap.Port).Name(), ifc.MTU(), ifc.MAC())
	}
	if err := s.AddAddress(ifc, netip.MustParsePrefix("198.18.7.1/24")); err != nil {
		t.Fatal(err)
	}
	if err := s.Destroy("tap3"); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("ip", "link", "show", linux).Run(); err == nil {
		t.Errorf("Linux device %s survived Destroy", linux)
	}
	if _, ok := s.Routes().Lookup([4]byte{198, 18, 7, 9}); ok {
		t.Error("route of the destroyed interface survived")
	}
}

func TestOpenErrors(t *testing.T) {
	pool := stacktest.NewPool(t, 8)
	if _, err := tap.Open("x", pool, tap.Options{MTU: 4000}); err == nil {
		t.Error("MTU beyond the data room accepted")
	}
	if os.Geteuid() == 0 {
		return
	}
	_, err := tap.Open("gopkt-noperm", pool, tap.Options{})
	if err == nil || !errors.Is(err, os.ErrPermission) && !strings.Contains(err.Error(), "root") {
		t.Errorf("unprivileged open: %v", err)
	}
}
