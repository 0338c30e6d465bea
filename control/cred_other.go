//go:build !linux

package control

import "net"

// Cred is a connected peer's identity (Linux only).
type Cred struct {
	PID      int32
	UID, GID uint32
	Groups   []uint32
}

func peerCred(*net.UnixConn) (Cred, error) { return Cred{}, errNoCred }
