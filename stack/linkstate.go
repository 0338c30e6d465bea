package stack

import (
	"sync"

	"github.com/gopkt/gopkt/hw/port"
)

// Link state (the port's carrier, NetBSD's if_link_state_change).
//
// Every attached interface has a goroutine that reads the port's
// LinkEvents (latest state only, closed when the port closes) and keeps the
// stack's copy: Link reports it and Transmit drops frames while it is down
// (OutLinkDown) rather than queueing them into a dead link. The copy lives
// as a bit in the flags word, so Transmit checks "up, and link up" with the
// one atomic load it already did. When the copy says down, Transmit asks
// the port before dropping, so a frame sent right after the link came up
// is not lost to an event the goroutine has not read yet. A port whose
// LinkEvents is nil never changes state; a closed event channel means the
// link is down for good.
//
// OnLinkChange is how a protocol hears of it (NetBSD's
// if_link_state_change calling in6_if_link_up): the program registers a
// function, and each interface's link goroutine calls it, in order, when
// the link went down or came up since the last call (the state at Attach
// counts as heard). Events are latest-state only, so a flap shorter than
// the port reports (the e1000's: its Service, every 500 ms in the daemon)
// may go unheard.

// OnLinkChange registers fn, called with the interface and its new state
// each time an interface's link goes down or comes up. It runs on that
// interface's link goroutine (one at a time per interface, never from a
// receive or transmit path), so it may send; it must not Detach the
// interface or Close the stack.
func (s *Stack) OnLinkChange(fn func(*Interface, port.LinkState)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var fns []func(*Interface, port.LinkState)
	if p := s.linkFns.Load(); p != nil {
		fns = append(fns, *p...)
	}
	fns = append(fns, fn)
	s.linkFns.Store(&fns)
}

// tellLink calls the OnLinkChange functions when l's up/down differs from
// what they heard last (watchLink's goroutine only).
func (ifc *Interface) tellLink(l port.LinkState) {
	if l.Up == ifc.linkTold {
		return
	}
	ifc.linkTold = l.Up
	if p := ifc.s.linkFns.Load(); p != nil {
		for _, fn := range *p {
			fn(ifc, l)
		}
	}
}

// Link is the interface's link state as the stack last learned it from the
// port (at Attach, then from its link events).
func (ifc *Interface) Link() port.LinkState {
	ifc.linkMu.Lock()
	defer ifc.linkMu.Unlock()
	return ifc.link
}

// setLink records l and moves the flags word's link bit on an up/down
// change (counted in LinkChanges and logged).
func (ifc *Interface) setLink(l port.LinkState) {
	ifc.linkMu.Lock()
	defer ifc.linkMu.Unlock()
	old := ifc.link
	ifc.link = l
	if old.Up == l.Up {
		return
	}
	for {
		f := ifc.flags.Load()
		nf := f | uint32(flagLinkDown)
		if l.Up {
			nf = f &^ uint32(flagLinkDown)
		}
		if ifc.flags.CompareAndSwap(f, nf) {
			break
		}
	}
	ifc.c.linkChanges.Add(1)
	ifc.s.log.Info("link "+l.String(), "interface", ifc.name)
}

// watchLink follows the port's link events until Detach or the port
// closes.
func (ifc *Interface) watchLink(wg *sync.WaitGroup) {
	defer wg.Done()
	ev := ifc.port.LinkEvents()
	for {
		select {
		case l, ok := <-ev:
			select {
			case <-ifc.linkQuit: // detached: the port's last words are not news
				return
			default:
			}
			if !ok {
				ifc.setLink(port.LinkState{})
				ifc.tellLink(port.LinkState{})
				return
			}
			ifc.setLink(l)
			ifc.tellLink(l)
		case <-ifc.linkQuit:
			return
		}
	}
}

// txAllowed is Transmit's slow path, taken when the interface is down or
// the stack's copy of the link is: it reports whether the frame may go
// after all (the port says the link is up: its event is on the way) and
// counts a link drop otherwise.
func (ifc *Interface) txAllowed(fl Flags) bool {
	if fl&FlagUp == 0 {
		return false
	}
	if !ifc.stopping.Load() {
		if l := ifc.port.Link(); l.Up {
			ifc.setLink(l)
			return true
		}
	}
	ifc.c.outLinkDown.Add(1)
	return false
}
