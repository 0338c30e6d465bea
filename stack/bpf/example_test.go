package bpf_test

import (
	"fmt"

	"github.com/gopkt/gopkt/stack/bpf"
	"github.com/gopkt/gopkt/stack/wire"
)

func ExampleParse() {
	e, err := bpf.Parse("udp and host 198.18.0.1 or 198.18.0.2 and not port 53")
	if err != nil {
		panic(err)
	}
	fmt.Println(e)
	// Output: (((udp and host 198.18.0.1) or host 198.18.0.2) and not port 53)
}

func ExampleCompile() {
	prog, err := bpf.Compile("arp or icmp", bpf.LinkEthernet, 96)
	if err != nil {
		panic(err)
	}
	for i, in := range prog {
		fmt.Printf("(%03d) %v\n", i, in)
	}
	// Output:
	// (000) ldh [12]
	// (001) jeq #2054,3
	// (002) jneq #2048,3
	// (003) ldb [23]
	// (004) jneq #1,1
	// (005) ret #96
	// (006) ret #0
}

func ExampleProgram_Run() {
	prog, _ := bpf.Compile("arp", bpf.LinkEthernet, 0)
	p, _ := bpf.NewProgram(prog)
	frame := make([]byte, wire.EthernetHeaderLen+wire.ARPLen)
	(&wire.EthernetFields{Dst: wire.BroadcastMAC(), Type: wire.EtherTypeARP}).Encode(frame)
	fmt.Println(p.Run(frame), p.Verdict(frame, 0))
	// Output: 262144 42
}
