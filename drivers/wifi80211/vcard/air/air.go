package air

import "net"

// TxInfo describes one transmission attempt.
type TxInfo struct {
	Freq  int  // MHz
	Rate  int  // 500 kb/s units, or 0x80|i for HT MCS i (one stream, 20 MHz, long GI)
	Power int8 // dBm
}

// RxInfo describes a received frame.
type RxInfo struct {
	Freq   int  // MHz
	Rate   int  // 500 kb/s units, or 0x80|i for HT MCS i
	Signal int8 // dBm
	Noise  int8 // dBm
}

// Medium carries frames between stations.
type Medium interface {
	// Transmit sends one attempt of frame (an 802.11 MPDU without FCS) from
	// the station. It reports whether a receiver acknowledged it; for
	// group-addressed frames the result is meaningless and false.
	Transmit(from Station, frame []byte, tx TxInfo) (acked bool)
}

// Station is a radio on a medium.
type Station interface {
	// Addr is the station address (802.11 Address 1 of frames it acks).
	Addr() net.HardwareAddr
	// Freq is the frequency the radio listens on, 0 when off.
	Freq() int
	// Receive hands the station a frame heard on the air. It returns
	// whether the station acknowledges it (IEEE 802.11-2016 10.3.2.9: a
	// unicast frame addressed to it, received without error).
	Receive(frame []byte, rx RxInfo) (ack bool)
}

// Group reports whether an address is group addressed (IEEE 802-2014 8.2:
// the I/G bit of the first octet).
func Group(a []byte) bool { return len(a) > 0 && a[0]&1 != 0 }

// Addr1 returns the receiver address of an MPDU, or nil when the frame is
// too short to have one (IEEE 802.11-2016 9.3: every frame has Address 1 at
// offset 4).
func Addr1(frame []byte) []byte {
	if len(frame) < 10 {
		return nil
	}
	return frame[4:10]
}
