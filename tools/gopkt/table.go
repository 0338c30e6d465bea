package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gopkt/gopkt/stack"
)

// driver is one loaded driver instance (one -d argument). Its loader makes
// it from the options at parse time, so option mistakes are usage errors
// before anything is opened. The daemon then calls Open (before the mbuf
// pool exists: devices whose DMA memory must hold the pool are claimed
// here), Attach (once the stack exists, in command-line order), Service
// every half second while running, and Detach at shutdown.
type driver interface {
	// Prefix is the interface name stem used when name= is absent ("em").
	Prefix() string
	Open(d *daemon) error
	Attach(d *daemon, name string) (*stack.Interface, error)
	Service()
	// Detach removes the interface from the stack and closes the device.
	Detach(d *daemon) error
}

// driverLoader is one row of the driver table: the name after -d, the
// options it takes and the constructor.
type driverLoader struct {
	Name  string
	Usage string   // option syntax for -h
	Keys  []string // accepted options besides name=
	New   func(o options) (driver, error)
}

// protoLoader is one row of the protocol table. Apply records the
// protocol's options in the set the stack is built from; Needs names the
// protocol that must come earlier on the command line.
type protoLoader struct {
	Name  string
	Usage string
	Keys  []string
	Needs string
	Apply func(o options, p *protoSet) error
}

// registry is the explicit table of what gopkt can load: there are no
// init()-time registrations. defaultRegistry is what the command ships;
// tests build their own.
type registry struct {
	drivers []driverLoader
	protos  []protoLoader
}

func defaultRegistry() *registry {
	return &registry{
		drivers: []driverLoader{e1000Loader, igbLoader, igbvfLoader, tapLoader, loopLoader, tunLoader, vlanLoader, bridgeLoader, greLoader, gifLoader},
		protos:  []protoLoader{ipv4Loader, ipv6Loader, udpLoader, tcpLoader, icmpLoader},
	}
}

func (r *registry) driver(name string) (*driverLoader, error) {
	var known []string
	for i := range r.drivers {
		if r.drivers[i].Name == name {
			return &r.drivers[i], nil
		}
		known = append(known, r.drivers[i].Name)
	}
	slices.Sort(known)
	return nil, fmt.Errorf("unknown driver %q (known drivers: %s)", name, strings.Join(known, ", "))
}

func (r *registry) proto(name string) (*protoLoader, error) {
	var known []string
	for i := range r.protos {
		if r.protos[i].Name == name {
			return &r.protos[i], nil
		}
		known = append(known, r.protos[i].Name)
	}
	slices.Sort(known)
	return nil, fmt.Errorf("unknown protocol %q (known protocols: %s)", name, strings.Join(known, ", "))
}

// help lists the table for -h.
func (r *registry) help() string {
	var b strings.Builder
	b.WriteString("Drivers (-d NAME OPTIONS):\n")
	for _, l := range r.drivers {
		fmt.Fprintf(&b, "  %-6s %s\n", l.Name, l.Usage)
	}
	b.WriteString("Protocols (-p NAME[,OPTIONS]):\n")
	for _, l := range r.protos {
		fmt.Fprintf(&b, "  %-6s %s\n", l.Name, l.Usage)
	}
	return b.String()
}
