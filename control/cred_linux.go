package control

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Cred is a connected peer's identity: SO_PEERCRED (unix(7)) gives the
// process, user and primary group at connect time; the supplementary
// groups come from the process's /proc/PID/status.
type Cred struct {
	PID      int32
	UID, GID uint32
	Groups   []uint32
}

func peerCred(c *net.UnixConn) (Cred, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return Cred{}, err
	}
	var uc *unix.Ucred
	var serr error
	if err := rc.Control(func(fd uintptr) {
		uc, serr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Cred{}, err
	}
	if serr != nil {
		return Cred{}, fmt.Errorf("%w: SO_PEERCRED: %v", errNoCred, serr)
	}
	cr := Cred{PID: uc.Pid, UID: uc.Uid, GID: uc.Gid}
	cr.Groups = procGroups(uc.Pid)
	return cr, nil
}

// procGroups reads the "Groups:" line of /proc/PID/status; a process that
// is gone (or in another PID namespace) has none we can see.
func procGroups(pid int32) []uint32 {
	f, err := os.Open("/proc/" + strconv.Itoa(int(pid)) + "/status")
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "Groups:")
		if !ok {
			continue
		}
		var gs []uint32
		for _, g := range strings.Fields(rest) {
			if n, err := strconv.ParseUint(g, 10, 32); err == nil {
				gs = append(gs, uint32(n))
			}
		}
		return gs
	}
	return nil
}
