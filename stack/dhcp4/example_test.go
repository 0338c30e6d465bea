package dhcp4_test

import (
	"context"
	"fmt"
	"time"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/dhcp4"
	"github.com/gopkt/gopkt/stack/ipv4"
)

// getAddress configures ifc (an Ethernet interface of a stack built with
// ip) by DHCP, prints the progress, and gives the lease back when done.
func getAddress(ifc *stack.Interface, ip *ipv4.IPv4, done <-chan struct{}) error {
	c, err := dhcp4.New(dhcp4.Config{
		Interface: ifc,
		IP:        ip,
		HostName:  "station",
		OnEvent: func(e dhcp4.Event) {
			fmt.Printf("dhcp: %v %v via %v (lease %v)\n", e.Kind, e.Lease.Addr, e.Lease.Routers, e.Lease.Duration)
		},
	})
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.WaitBound(ctx); err != nil {
		_ = c.Close()
		return err
	}
	<-done
	return c.Release()
}

func Example() {
	// With a stack, its ipv4 instance and an attached interface (see
	// package stack), run getAddress(ifc, ip, done) for as long as the
	// address is wanted.
	_ = getAddress
}
