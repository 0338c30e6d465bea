package pcihost

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrOpen means a process holds the device open through VFIO: the kernel's
// vfio-pci does not let go of a device until every user has closed it, so an
// unbind would block (in the kernel, without a timeout) until then.
var ErrOpen = errors.New("pci: device is open through VFIO")

// groupUsers lists the processes that hold /dev/vfio/GROUP (or the no-IOMMU
// node noiommu-GROUP) open, as "PID (command)", by reading the fd links
// under procfs. Processes it may not look into are skipped.
func groupUsers(procfs string, group int) []string {
	nodes := map[string]bool{
		fmt.Sprintf("/dev/vfio/%d", group):         true,
		fmt.Sprintf("/dev/vfio/noiommu-%d", group): true,
	}
	ents, err := os.ReadDir(procfs)
	if err != nil {
		return nil
	}
	var users []string
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		fdDir := filepath.Join(procfs, e.Name(), "fd")
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if target, err := os.Readlink(filepath.Join(fdDir, fd.Name())); err == nil && nodes[target] {
				comm, _ := os.ReadFile(filepath.Join(procfs, e.Name(), "comm"))
				users = append(users, fmt.Sprintf("%d (%s)", pid, strings.TrimSpace(string(comm))))
				break
			}
		}
	}
	sort.Strings(users)
	return users
}

// checkNotOpen refuses to unbind a vfio-pci device whose group a process
// holds open.
func (b *Binder) checkNotOpen(dev Device) error {
	if dev.Driver != VFIODriver || dev.IOMMUGroup < 0 {
		return nil
	}
	procfs := b.Procfs
	if procfs == "" {
		procfs = "/proc"
	}
	users := groupUsers(procfs, dev.IOMMUGroup)
	if len(users) == 0 {
		return nil
	}
	return &OpError{Op: "unbind", Addr: dev.Addr, Err: ErrOpen,
		Detail: fmt.Sprintf("/dev/vfio/%d is held open by %s", dev.IOMMUGroup, strings.Join(users, ", ")),
		Fix:    "stop that program first (vfio-pci waits for every user to close the device before it lets go)"}
}
