package vmtest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Lane selects the QEMU a guest runs under.
//
// LaneStable is the system's qemu-system-x86_64 (Debian bookworm's QEMU 7.2,
// or $GOPKT_QEMU): the default, and what every e1000/e1000e scenario uses.
//
// LaneBackports is QEMU 10 from Debian's bookworm-backports, which adds the
// igb (82576) and igbvf models. Installing it with apt would replace the
// system QEMU 7.2, so scripts/setup.sh downloads its packages
// (qemu-system-x86, -common, -data and the backports seabios) and unpacks them
// into CacheDir()/qemu/VERSION/root; Boot runs that binary with -L pointing
// at its own firmware and QEMU_MODULE_DIR at its own modules (the system
// 7.2's modules abort a 10.0 binary: "Only modules from the same build can
// be loaded"). $GOPKT_QEMU_BACKPORTS names another qemu-system-x86_64 laid
// out the same way (ROOT/usr/bin/qemu-system-x86_64).
type Lane int

const (
	LaneStable Lane = iota
	LaneBackports
)

// LaneEnv names the environment variable that moves every scenario of the
// stable lane to another: GOPKT_VM_LANE=backports runs the e1000/e1000e
// scenarios under QEMU 10 (issue 14: each must pass there too).
const LaneEnv = "GOPKT_VM_LANE"

func (l Lane) String() string {
	switch l {
	case LaneStable:
		return "stable"
	case LaneBackports:
		return "backports"
	}
	return fmt.Sprintf("Lane(%d)", int(l))
}

// QEMU is one runnable QEMU: its binary, and for an unpacked one the extra
// arguments and environment that keep it to its own files.
type QEMU struct {
	Binary string
	Args   []string // before the machine's arguments, e.g. -L DIR
	Env    []string // added to the environment, e.g. QEMU_MODULE_DIR=DIR
}

// LaneQEMU finds the QEMU of lane l; a missing one wraps ErrMissing with
// the fix (scripts/setup.sh) in its message.
func LaneQEMU(l Lane) (*QEMU, error) {
	switch l {
	case LaneStable:
		p, err := QEMUPath()
		if err != nil {
			return nil, err
		}
		return &QEMU{Binary: p}, nil
	case LaneBackports:
		cache, err := CacheDir()
		if err != nil {
			return nil, err
		}
		return backportsQEMU(cache)
	}
	return nil, fmt.Errorf("vmtest: unknown lane %v", l)
}

// qemuRelBinary is where an unpacked QEMU keeps its binary, below its root.
var qemuRelBinary = filepath.Join("usr", "bin", "qemu-system-x86_64")

// backportsQEMU returns $GOPKT_QEMU_BACKPORTS, else the newest QEMU that
// scripts/setup.sh unpacked into cache/qemu/VERSION (marked by .done).
func backportsQEMU(cache string) (*QEMU, error) {
	var root string
	if p := os.Getenv("GOPKT_QEMU_BACKPORTS"); p != "" {
		if !isFile(p) {
			return nil, fmt.Errorf("GOPKT_QEMU_BACKPORTS names %s, which does not exist: %w", p, ErrMissing)
		}
		root = filepath.Dir(filepath.Dir(filepath.Dir(p)))
	} else {
		m, _ := filepath.Glob(filepath.Join(cache, "qemu", "*", ".done"))
		if len(m) == 0 {
			return nil, fmt.Errorf("the backports lane's QEMU 10 is not unpacked in %s (run scripts/setup.sh as root): %w",
				filepath.Join(cache, "qemu"), ErrMissing)
		}
		sort.Strings(m)
		root = filepath.Join(filepath.Dir(m[len(m)-1]), "root")
	}
	q := &QEMU{Binary: filepath.Join(root, qemuRelBinary)}
	if !isFile(q.Binary) {
		return nil, fmt.Errorf("%s is missing (remove %s and run scripts/setup.sh again): %w", q.Binary, root, ErrMissing)
	}
	for _, d := range []string{"usr/share/qemu", "usr/share/seabios"} {
		if dir := filepath.Join(root, d); isDir(dir) {
			q.Args = append(q.Args, "-L", dir)
		}
	}
	q.Env = append(q.Env, "QEMU_MODULE_DIR="+filepath.Join(root, "usr", "lib", "x86_64-linux-gnu", "qemu"))
	return q, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
