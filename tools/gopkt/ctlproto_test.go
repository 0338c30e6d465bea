package main

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/vfio"
)

// TestControlProtoModel unloads and loads UDP and TCP in a running daemon
// over the e1000 device model (no root needed), a peer stack on the same
// hub: the peer's echo works, stops with protocol unreachable when UDP is
// unloaded (the echo service's reader returns, its quota leaves the
// budget, no buffer stays out), and works again once UDP is loaded; TCP's
// listener goes and comes back the same way; refusals say why.
func TestControlProtoModel(t *testing.T) {
	bus := e1000test.NewBus()
	defer bus.Close()
	em0 := e1000test.NewPort(bus, e1000test.Options{MAC: [6]byte{0x52, 0x54, 0, 0x12, 0x34, 0x10}})
	peerPool, err := mbuf.NewPool(bus.Memory(), mbuf.PoolOptions{Name: "peer", Buffers: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer peerPool.Close()
	p := newPeer(t, bus, peerPool)
	defer p.close(t)
	host := &busHost{bus: bus, ports: map[string]pci.Function{"0000:00:02.0": em0.Function()}}
	sock := filepath.Join(t.TempDir(), "gopkt.sock")
	r := startRun([]string{"--control", sock, "-d", "e1000", "pci=0000:00:02.0,rxdescs=128,txdescs=128,mode=poll", "-p", "ipv4", "-p", "udp", "-p", "tcp",
		"--ifconfig", "em0=198.18.0.2/24", "--udp-echo", "7", "--tcp-echo", "7", "--buffers", "2048"}, env{pciHost: func(vfio.Options) pciHost { return host }})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := control.Dial(sock)

	cl, err := p.udp.Dial(netip.AddrPort{}, netip.MustParseAddrPort("198.18.0.2:7"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	echo := func(msg string) error {
		if _, err := cl.Write([]byte(msg)); err != nil {
			return err
		}
		_ = cl.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 100)
		n, err := cl.Read(buf)
		if err == nil && string(buf[:n]) != msg {
			t.Fatalf("echo of %q: %q", msg, buf[:n])
		}
		return err
	}
	if err := echo("before"); err != nil {
		t.Fatalf("echo before unload: %v", err)
	}
	row := func(name string) control.Protocol {
		ps, err := c.Protocols(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.Name == name {
				return p
			}
		}
		t.Fatalf("no protocol %s in %+v", name, ps)
		return control.Protocol{}
	}
	if u := row("udp"); !u.Loaded || !u.Runtime || u.Sockets != 1 || len(u.Services) != 1 || u.Services[0] != "udp-echo 7" {
		t.Errorf("udp row before unload: %+v", u)
	}
	if ip := row("ipv4"); !ip.Loaded || ip.Runtime {
		t.Errorf("ipv4 row: %+v", ip)
	}
	for _, bad := range []struct {
		do   func() error
		want error
		text string
	}{
		{func() error { return c.Unload(ctx, "ipv4") }, control.ErrBadRequest, "fixed at start"},
		{func() error { return c.Unload(ctx, "sctp") }, control.ErrNotFound, "unknown protocol"},
		{func() error { _, err := c.Load(ctx, control.LoadRequest{Proto: "udp"}); return err }, control.ErrExists, "is loaded"},
	} {
		if err := bad.do(); !errors.Is(err, bad.want) || !strings.Contains(err.Error(), bad.text) {
			t.Errorf("refusal: %v, want %v with %q", err, bad.want, bad.text)
		}
	}

	if err := c.Unload(ctx, "udp"); err != nil {
		t.Fatal(err)
	}
	if u := row("udp"); u.Loaded || u.Sockets != 0 || len(u.Services) != 0 {
		t.Errorf("udp row after unload: %+v", u)
	}
	if err := c.Unload(ctx, "udp"); !errors.Is(err, control.ErrNotFound) {
		t.Errorf("second unload: %v", err)
	}
	if err := echo("while unloaded"); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("echo while UDP is unloaded: %v, want ECONNREFUSED (protocol unreachable)", err)
	}
	st, err := c.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := counter(st, "protocol", "proto", "ipv4", "in_unknown_protos"); n != 1 {
		t.Errorf("ipv4 InUnknownProtos %d, want 1", n)
	}
	for _, g := range st.Groups {
		if g.Kind == "quota" && g.Labels["quota"] == "udp-rcvq" || g.Kind == "protocol" && g.Labels["proto"] == "udp" {
			t.Errorf("group %s %v still reported after unload", g.Kind, g.Labels)
		}
	}
	if !strings.Contains(r.errOut.String(), "udp-echo stopped") {
		t.Errorf("no log of the echo service stopping:\n%s", r.errOut.String())
	}

	if _, err := c.Load(ctx, control.LoadRequest{Proto: "udp", Options: "queue=64,bogus=1"}); !errors.Is(err, control.ErrBadRequest) {
		t.Errorf("load with an unknown option: %v", err)
	}
	u, err := c.Load(ctx, control.LoadRequest{Proto: "udp", Options: "queue=64"})
	if err != nil || !u.Loaded || len(u.Services) != 1 {
		t.Fatalf("load: %+v %v", u, err)
	}
	if err := echo("after"); err != nil {
		t.Fatalf("echo after load: %v", err)
	}

	// TCP: the --tcp-echo listener goes with it and comes back.
	if tr := row("tcp"); !tr.Loaded || tr.Sockets != 1 || len(tr.Services) != 1 {
		t.Errorf("tcp row: %+v", tr)
	}
	if err := c.Unload(ctx, "tcp"); err != nil {
		t.Fatal(err)
	}
	if tr := row("tcp"); tr.Loaded || len(tr.Services) != 0 {
		t.Errorf("tcp row after unload: %+v", tr)
	}
	if _, err := c.Load(ctx, control.LoadRequest{Proto: "tcp"}); err != nil {
		t.Fatal(err)
	}
	if tr := row("tcp"); !tr.Loaded || tr.Sockets != 1 {
		t.Errorf("tcp row after load: %+v", tr)
	}

	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
	if !strings.Contains(r.out.String(), "pool: 2048/2048 buffers free") {
		t.Errorf("pool not full at exit:\n%s", r.out.String())
	}
}
