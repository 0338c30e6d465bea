package capture_test

import (
	"context"
	"fmt"

	"github.com/gopkt/gopkt/stack/bpf/capture"
	"github.com/gopkt/gopkt/stack/wire"
)

func ExampleTap() {
	tap, err := capture.New(capture.Options{Filter: "arp", Snaplen: 20})
	if err != nil {
		panic(err)
	}
	defer tap.Close()
	// The interface layer calls tap.Tap(mbuf) for every frame; Capture is
	// the same entry for a plain byte slice.
	frame := make([]byte, wire.EthernetHeaderLen+wire.ARPLen)
	(&wire.EthernetFields{Dst: wire.BroadcastMAC(), Type: wire.EtherTypeARP}).Encode(frame)
	tap.Capture(frame, capture.Out, 2, 1)
	tap.Capture(make([]byte, 60), capture.In, 2, 2) // not ARP: filtered out

	buf := make([]byte, 2048)
	in, err := tap.Read(context.Background(), buf)
	fmt.Println(in.Dir, in.IfIndex, in.Length, in.CaptureLength, err, tap.Stats())
	// Output: Out 2 42 20 <nil> {2 1 0}
}
