package tcp

// State is a connection state (RFC 9293 §3.3.2, Figure 6).
type State uint8

// The connection states. Closed is also the state of a socket that never
// connected or was reset.
const (
	Closed State = iota
	Listen
	SynSent
	SynReceived
	Established
	FinWait1
	FinWait2
	CloseWait
	Closing
	LastAck
	TimeWait
)

var stateNames = [...]string{"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
	"FIN-WAIT-2", "CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "UNKNOWN"
}

// synchronized reports the states after the handshake (RFC 9293 §3.5.2:
// "synchronized states").
func (s State) synchronized() bool { return s >= Established }

// canRecvData reports whether data from the peer is still accepted (the
// peer has not sent its FIN yet: RFC 9293 §3.10.7.4, seventh step).
func (s State) canRecvData() bool { return s == Established || s == FinWait1 || s == FinWait2 }

// canSendData reports whether the application may still queue data (we
// have not sent our FIN: RFC 9293 §3.10.2).
func (s State) canSendData() bool {
	return s == Established || s == CloseWait || s == SynSent || s == SynReceived
}
