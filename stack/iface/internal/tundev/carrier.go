package tundev

import (
	"encoding/binary"
	"sync"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/hw/port"
)

// Carrier: the Linux end of the device is our cable.
//
// Taking the Linux device down (ip link set tap0 down) is a pulled cable:
// Linux drops what we write (tun_get_user answers EIO) and sends us
// nothing. The port reports it as link down and, brought up again, as link
// up, so the stack and its protocols see a link change (IPv6 runs DAD and
// router solicitation again, RFC 4862 §5.3). Until Linux brings a new
// device up for the first time the port counts as up, as before: a device
// nobody configured yet is not a flap, and what the stack sends meanwhile
// is counted in TxDropped.
//
// A goroutine listens to rtnetlink link messages (RTMGRP_LINK) for the
// device's name in the namespace the device is in now (TUNGETDEVNETNS): a
// test moves a new device into its own namespace after we created it, so
// when the device leaves a namespace (RTM_DELLINK there) the watcher
// follows it, asks for its state once (a change during the move is not
// lost) and listens there.

// tunGetDevNetNS is TUNGETDEVNETNS, _IO('T', 227) in linux/if_tun.h (Linux
// 5.2): a descriptor of the device's current network namespace.
const tunGetDevNetNS = 0x54e3

// carrier is the watcher's state, under Device.closeMu.
type carrier struct {
	seenUp  bool // Linux had the device up at least once
	linuxUp bool // IFF_UP in Linux's last word on the device
	nl      *netlink.Conn
	wg      sync.WaitGroup
}

// up reports the port's link: up until Linux first brought the device
// up, then Linux's IFF_UP.
func (c *carrier) up() bool { return !c.seenUp || c.linuxUp }

// watchCarrier starts the watcher. Without rtnetlink or TUNGETDEVNETNS (an
// old kernel) the port stays up while open, as it was.
func (d *Device) watchCarrier() {
	c, err := d.dialLinks()
	if err != nil {
		return
	}
	d.car.nl = c
	d.car.wg.Add(1)
	go d.followCarrier(c)
}

// dialLinks opens an rtnetlink socket on the link group in the device's
// current namespace and asks for the device's state.
func (d *Device) dialLinks() (*netlink.Conn, error) {
	ns, err := unix.IoctlRetInt(d.fd, tunGetDevNetNS)
	if err != nil {
		return nil, err
	}
	defer unix.Close(ns)
	c, err := netlink.Dial(unix.NETLINK_ROUTE, &netlink.Config{Groups: unix.RTMGRP_LINK, NetNS: ns})
	if err != nil {
		return nil, err
	}
	ae := netlink.NewAttributeEncoder()
	ae.String(unix.IFLA_IFNAME, d.name)
	attrs, err := ae.Encode()
	if err == nil {
		req := make([]byte, unix.SizeofIfInfomsg, unix.SizeofIfInfomsg+len(attrs))
		req[0] = unix.AF_UNSPEC
		_, err = c.Send(netlink.Message{Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request}, Data: append(req, attrs...)})
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// followCarrier reads link messages until Close closes the socket; when
// the device leaves the namespace it dials again where it went.
func (d *Device) followCarrier(c *netlink.Conn) {
	defer d.car.wg.Done()
	fails := 0
	for {
		msgs, err := c.Receive()
		if err != nil {
			// ENOBUFS (we fell behind; the next change still tells) or
			// an error answer to the state request; a socket that only
			// fails is given up, the port staying as it last was.
			if fails++; d.carrierClosed(c) || fails > 100 {
				return
			}
			continue
		}
		fails = 0
		moved := false
		for _, m := range msgs {
			up, ours := d.linkMessage(m)
			switch {
			case !ours:
			case m.Header.Type == unix.RTM_DELLINK:
				moved = true
			case m.Header.Type == unix.RTM_NEWLINK:
				d.setCarrier(up)
			}
		}
		if !moved {
			continue
		}
		nc, err := d.dialLinks()
		d.closeMu.Lock()
		if d.closed || err != nil {
			d.closeMu.Unlock()
			if nc != nil {
				nc.Close()
			}
			return // closed, or the device is gone
		}
		old := d.car.nl
		d.car.nl, c = nc, nc
		d.closeMu.Unlock()
		old.Close()
	}
}

// carrierClosed reports whether Close ended the watcher (c is no longer
// the socket in use).
func (d *Device) carrierClosed(c *netlink.Conn) bool {
	d.closeMu.RLock()
	defer d.closeMu.RUnlock()
	return d.closed || d.car.nl != c
}

// linkMessage reads an RTM_NEWLINK or RTM_DELLINK: whether it is about
// our device (by name: the index changes with the namespace) and IFF_UP.
func (d *Device) linkMessage(m netlink.Message) (up, ours bool) {
	if m.Header.Type != unix.RTM_NEWLINK && m.Header.Type != unix.RTM_DELLINK || len(m.Data) < unix.SizeofIfInfomsg {
		return false, false
	}
	flags := binary.NativeEndian.Uint32(m.Data[8:12]) // struct ifinfomsg: family, pad, type, index, flags, change
	ad, err := netlink.NewAttributeDecoder(m.Data[unix.SizeofIfInfomsg:])
	if err != nil {
		return false, false
	}
	for ad.Next() {
		if ad.Type() == unix.IFLA_IFNAME && ad.String() == d.name {
			ours = true
		}
	}
	return flags&unix.IFF_UP != 0, ours && ad.Err() == nil
}

// setCarrier records Linux's IFF_UP and publishes a change of the port's
// link (latest state only).
func (d *Device) setCarrier(linuxUp bool) {
	d.closeMu.Lock()
	defer d.closeMu.Unlock()
	if d.closed {
		return
	}
	was := d.car.up()
	d.car.linuxUp = linuxUp
	d.car.seenUp = d.car.seenUp || linuxUp
	if now := d.car.up(); now != was {
		select {
		case <-d.events:
		default:
		}
		d.events <- d.linkLocked()
	}
}

// stopCarrier ends the watcher (Close, after marking the device closed).
func (d *Device) stopCarrier() {
	d.closeMu.RLock()
	c := d.car.nl
	d.closeMu.RUnlock()
	if c != nil {
		c.Close()
	}
	d.car.wg.Wait()
}

// linkLocked is the port's link state (closeMu held).
func (d *Device) linkLocked() port.LinkState {
	if d.closed || !d.car.up() {
		return port.LinkState{}
	}
	return port.LinkState{Up: true, SpeedMbps: 10000, FullDuplex: true}
}
