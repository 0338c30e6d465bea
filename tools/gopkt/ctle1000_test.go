package main

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/vfio"
)

// TestControlE1000Model: the control service over the e1000 device model
// (no root needed): stat carries the driver's hardware counters, and a
// second e1000 is mounted at run time (the pool lives in the bus memory
// both models DMA into), answers the peer's pings, and is unmounted with
// its ring buffers back in the pool.
func TestControlE1000Model(t *testing.T) {
	bus := e1000test.NewBus()
	defer bus.Close()
	em0 := e1000test.NewPort(bus, e1000test.Options{MAC: [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x10}})
	em1 := e1000test.NewPort(bus, e1000test.Options{MAC: [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x12}})
	peerPool, err := mbuf.NewPool(bus.Memory(), mbuf.PoolOptions{Name: "peer", Buffers: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer peerPool.Close()
	p := newPeer(t, bus, peerPool)
	defer p.close(t)
	host := &busHost{bus: bus, ports: map[string]pci.Function{"0000:00:02.0": em0.Function(), "0000:00:03.0": em1.Function()}}
	sock := filepath.Join(t.TempDir(), "gopkt.sock")
	r := startRun([]string{"--control", sock, "-d", "e1000", "pci=0000:00:02.0,rxdescs=128,txdescs=128,mode=poll", "-p", "ipv4", "-p", "udp",
		"--ifconfig", "em0=198.18.0.2/24", "--buffers", "2048"}, env{pciHost: func(vfio.Options) pciHost { return host }})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := control.Dial(sock)
	for range 3 {
		if _, err := p.ip.Ping(ctx, netip.MustParseAddr("198.18.0.2"), ipv4.PingOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := c.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The hardware counters are accumulated by the driver's housekeeping
	// (every 200 ms): wait for them.
	for end := time.Now().Add(5 * time.Second); counter(st, "hardware", "iface", "em0", "good_rx") < 3 && time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
		if st, err = c.Stats(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := counter(st, "hardware", "iface", "em0", "good_rx"); n < 3 {
		t.Errorf("hardware good_rx of em0 = %d, want ≥ 3 (the pings)", n)
	}
	before := counter(st, "pool", "pool", "gopkt", "in_use")

	ifc, err := c.Mount(ctx, control.MountRequest{Driver: "e1000", Options: "pci=0000:00:03.0,rxdescs=128,txdescs=128,mode=poll"})
	if err != nil || ifc.Name != "em1" || ifc.Driver != "e1000" || ifc.MAC != "52:54:00:12:34:12" {
		t.Fatalf("mount: %+v %v", ifc, err)
	}
	if _, err := c.Mount(ctx, control.MountRequest{Driver: "e1000", Options: "pci=0000:00:03.0"}); err == nil {
		t.Error("the same function mounted twice")
	}
	if _, err := c.Ifconfig(ctx, control.IfconfigRequest{Iface: "em1", AddAddr: []string{"198.18.0.3/24"}}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := p.ip.Ping(ctx, netip.MustParseAddr("198.18.0.3"), ipv4.PingOptions{}); err != nil {
			t.Fatalf("ping of the mounted em1: %v\n%s", err, r.errOut.String())
		}
	}
	if err := c.Umount(ctx, "em1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Umount(ctx, "em1"); err == nil {
		t.Error("em1 unmounted twice")
	}
	// em0's TX ring frees what it sent lazily (on its next burst), so the
	// pool is compared exactly once no driver is left: every buffer home.
	if err := c.Umount(ctx, "em0"); err != nil {
		t.Fatal(err)
	}
	if st, err = c.Stats(ctx); err != nil {
		t.Fatal(err)
	}
	if after := counter(st, "pool", "pool", "gopkt", "in_use"); after != 0 {
		t.Errorf("pool in use %d with every e1000 unmounted (%d with em0 alone before the mount)", after, before)
	}
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
}

// TestMountReserve: a mounted e1000 grows the budget's receive reserve by
// what its rings and caches hold, an unmount shrinks it back, and a mount
// the pool cannot serve is refused with the numbers (the rings' need, the
// pool, the bound) and the fix, leaving the reserve and the device as
// they were.
func TestMountReserve(t *testing.T) {
	bus := e1000test.NewBus()
	defer bus.Close()
	em0 := e1000test.NewPort(bus, e1000test.Options{MAC: [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x20}})
	host := &busHost{bus: bus, ports: map[string]pci.Function{"0000:00:02.0": em0.Function()}}
	sock := filepath.Join(t.TempDir(), "gopkt.sock")
	r := startRun([]string{"--control", sock, "-p", "ipv4", "-p", "udp", "--buffers", "1024"}, env{pciHost: func(vfio.Options) pciHost { return host }})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := control.Dial(sock)
	reserve := func() uint64 {
		t.Helper()
		st, err := c.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return counter(st, "budget", "", "", "reserve")
	}
	if n := reserve(); n != 256 {
		t.Fatalf("reserve with no driver %d, want 256 (a quarter of 1024)", n)
	}
	// 512/512 descriptors hold up to 1472 buffers: more than three
	// quarters of 1024.
	_, err := c.Mount(ctx, control.MountRequest{Driver: "e1000", Options: "pci=0000:00:02.0"})
	if !errors.Is(err, control.ErrBadRequest) {
		t.Fatalf("mount of a 512/512 e1000 into 1024 buffers: %v, want ErrBadRequest", err)
	}
	for _, want := range []string{"the pool cannot serve this driver", "up to 1472 buffers", "of the pool's 1024", "three quarters, 768", "--buffers 1963 or more"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q lacks %q", err, want)
		}
	}
	if n := reserve(); n != 256 {
		t.Errorf("reserve after the refusal %d, want 256", n)
	}
	// 128/128: 128 + 2×32 + 128 + 128 + 64 = 512 fits; the same
	// function, so the refusal left it closed.
	ifc, err := c.Mount(ctx, control.MountRequest{Driver: "e1000", Options: "pci=0000:00:02.0,rxdescs=128,txdescs=128,mode=poll"})
	if err != nil || ifc.Name != "em0" {
		t.Fatalf("mount 128/128: %+v %v", ifc, err)
	}
	if n := reserve(); n != 512 {
		t.Errorf("reserve with em0 mounted %d, want 512", n)
	}
	if err := c.Umount(ctx, "em0"); err != nil {
		t.Fatal(err)
	}
	if n := reserve(); n != 256 {
		t.Errorf("reserve after umount %d, want 256", n)
	}
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
	if !strings.Contains(r.errOut.String(), "mount refused") {
		t.Errorf("the refusal is not logged:\n%s", r.errOut.String())
	}
}
