package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/wire"
)

// ctlPing is the control service's ping: echo requests from the stack
// (pingOnce, as --ping sends them), one result per request.
func (d *daemon) ctlPing(ctx context.Context, args json.RawMessage) (any, error) {
	var r control.PingRequest
	if err := control.Decode(args, &r); err != nil {
		return nil, err
	}
	dst, err := netip.ParseAddr(r.Dst)
	if err != nil || dst.Zone() != "" {
		return nil, control.Errorf(control.ErrBadRequest, "ping %q: want an IPv4 or IPv6 address literal", r.Dst)
	}
	if dst.Is4() && d.ip == nil || dst.Is6() && d.ip6 == nil {
		return nil, control.Errorf(control.ErrBadRequest, "ping %v: the daemon does not run that IP version (-p ipv4, -p ipv6)", dst)
	}
	p := pingArg{Dst: dst, Count: r.Count, Size: r.Size,
		Interval: time.Duration(r.IntervalMS) * time.Millisecond, Timeout: time.Duration(r.TimeoutMS) * time.Millisecond}
	switch {
	case p.Count == 0:
		p.Count = 3
	case p.Count < 0 || p.Count > 100:
		return nil, control.Errorf(control.ErrBadRequest, "count %d: want 1 to 100", p.Count)
	}
	switch {
	case p.Interval == 0:
		p.Interval = time.Second
	case p.Interval < 10*time.Millisecond:
		return nil, control.Errorf(control.ErrBadRequest, "interval %v: want at least 10ms", p.Interval)
	}
	switch {
	case p.Timeout == 0:
		p.Timeout = 2 * time.Second
	case p.Timeout < 0:
		return nil, control.Errorf(control.ErrBadRequest, "timeout %v: want a positive duration", p.Timeout)
	}
	if p.Size == 0 {
		p.Size = 56
	}
	if p.Size < 0 || p.Size > 65507 {
		return nil, control.Errorf(control.ErrBadRequest, "size %d: want 1 to 65507", p.Size)
	}
	id := d.ip.NewPingID
	if dst.Is6() {
		id = d.ip6.NewPingID
	}
	session := id()
	res := control.PingResult{Dst: dst.String(), Replies: []control.PingReply{}}
	t := time.NewTicker(p.Interval)
	defer t.Stop()
	for seq := 1; seq <= p.Count; seq++ {
		if seq > 1 {
			select {
			case <-ctx.Done():
				return res, nil
			case <-t.C:
			}
		}
		res.Transmitted++
		pctx, cancel := context.WithTimeout(ctx, p.Timeout)
		rep, err := pingOnce(pctx, d.ip, d.ip6, p, session, uint16(seq))
		cancel()
		cr := control.PingReply{Seq: seq}
		var pe *ipv4.PingError
		var pe6 *ipv6.PingError
		switch {
		case err == nil:
			res.Received++
			cr.From, cr.Bytes, cr.TTL = rep.From.String(), rep.Size+wire.ICMPv4HeaderLen, int(rep.TTL)
			cr.RTTMS = float64(rep.RTT) / float64(time.Millisecond)
		case errors.As(err, &pe):
			cr.From, cr.Error = pe.From.String(), fmt.Sprintf("ICMP type %d code %d", pe.Type, pe.Code)
		case errors.As(err, &pe6):
			cr.From, cr.Error = pe6.From.String(), fmt.Sprintf("ICMPv6 type %d code %d", pe6.Type, pe6.Code)
		case ctx.Err() != nil:
			res.Transmitted--
			return res, nil
		case errors.Is(err, context.DeadlineExceeded):
			cr.Error = "timeout"
		default:
			cr.Error = err.Error()
		}
		res.Replies = append(res.Replies, cr)
	}
	return res, nil
}
