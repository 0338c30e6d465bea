package main

import (
	"reflect"

	"github.com/gopkt/gopkt/control"
)

// counterGroups is every counter the daemon keeps, for gopktctl stat and
// the Prometheus endpoint: per interface the stack's counters and the
// port's (one queue per port: the port's counters are its queue's), with
// the driver's hardware counters when the port has them (an HWStats
// method: e1000's statistics registers, datasheet 13.7); IPv4 (with ICMP
// and ARP), IPv6 (with ICMPv6 and neighbour discovery), UDP and TCP; captures; the pool, its budget and every quota.
// Counters are taken from the stats structs by control.Counters, so a
// counter added to one of them is reachable without touching this file.
func (d *daemon) counterGroups() []control.Group {
	d.protoMu.RLock() // udp and tcp (ctlproto.go)
	defer d.protoMu.RUnlock()
	var gs []control.Group
	add := func(kind string, labels map[string]string, stats any) {
		if c := control.Counters(stats); len(c) > 0 {
			gs = append(gs, control.Group{Kind: kind, Labels: labels, Counters: c})
		}
	}
	if d.s == nil {
		return gs
	}
	for _, ifc := range d.s.Interfaces() {
		l := map[string]string{"iface": ifc.Name()}
		add("interface", l, ifc.Counters())
		p := ifc.Port()
		add("port", l, p.Stats())
		if hw := hwStats(p); hw != nil {
			add("hardware", l, hw)
		}
	}
	if d.ip != nil {
		add("protocol", map[string]string{"proto": "ipv4"}, d.ip.Stats())
	}
	if d.ip6 != nil {
		add("protocol", map[string]string{"proto": "ipv6"}, d.ip6.Stats())
	}
	if d.udp != nil {
		add("protocol", map[string]string{"proto": "udp"}, d.udp.Stats())
	}
	if d.tcp != nil {
		add("protocol", map[string]string{"proto": "tcp"}, d.tcp.Stats())
	}
	d.mu.Lock()
	for _, dp := range d.dumps {
		add("capture", map[string]string{"iface": dp.arg.Iface, "file": dp.arg.File}, dp.tap.Stats())
	}
	d.mu.Unlock()
	if d.pool != nil {
		gs = append(gs, control.Group{Kind: "pool", Labels: map[string]string{"pool": d.pool.Name()}, Counters: []control.Counter{
			{Name: "buffers", Value: uint64(d.pool.Cap())}, {Name: "in_use", Value: uint64(d.pool.InUse())}}})
	}
	if b := d.s.Budget(); b != nil {
		bs := b.Stats()
		quotas := bs.Quotas
		bs.Quotas = nil
		add("budget", nil, bs)
		for _, q := range quotas {
			add("quota", map[string]string{"quota": q.Name}, q)
		}
	}
	return gs
}

// hwStats returns the port's hardware counters when the driver has a
// HWStats() method returning a struct (drivers/e1000.Device), else nil.
// The daemon finds it by shape, so no driver is named here.
func hwStats(p any) any {
	m := reflect.ValueOf(p).MethodByName("HWStats")
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 {
		return nil
	}
	return m.Call(nil)[0].Interface()
}
