package pcihost

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultStatePath is where Binder remembers the drivers devices had before
// they were bound, so that unbind can restore them in a later run.
const DefaultStatePath = "/var/lib/gopkt/bind.json"

// BindRecord is what the state file keeps per device.
type BindRecord struct {
	Driver   string    `json:"driver"`   // driver before bind ("" if none)
	Override string    `json:"override"` // driver_override before bind
	BoundTo  string    `json:"bound_to"` // driver bind moved it to
	Time     time.Time `json:"time"`
}

// bindState is the state file's content.
type bindState struct {
	Version int                   `json:"version"`
	Devices map[string]BindRecord `json:"devices"`
}

// stateFile is a loaded state file whose lock is held.
type stateFile struct {
	path string
	f    *os.File // the lock file
	st   bindState
}

// openState opens (creating it and its directory if needed) and locks the
// state file. A malformed file is an ErrState error rather than silently
// forgetting what it held.
func openState(path string) (*stateFile, error) {
	fix := "remove " + path + " if it is damaged (unbind then needs --to DRIVER), or choose another file with --state"
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, &OpError{Op: "state", Err: ErrState, Cause: err, Fix: fix}
	}
	// The lock lives in its own file: save replaces the state file by
	// rename, which would leave a lock on the old inode behind.
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		e := &OpError{Op: "state", Err: ErrState, Cause: err, Fix: fix}
		if errors.Is(err, fs.ErrPermission) {
			e.Err, e.Fix = ErrPermission, "run as root, or choose a writable file with --state"
		}
		return nil, e
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, &OpError{Op: "state", Err: ErrState, Cause: err, Fix: fix}
	}
	s := &stateFile{path: path, f: f, st: bindState{Version: 1, Devices: map[string]BindRecord{}}}
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		f.Close()
		return nil, &OpError{Op: "state", Err: ErrState, Cause: err, Fix: fix}
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &s.st); err != nil || s.st.Version != 1 {
			f.Close()
			if err == nil {
				err = fmt.Errorf("version %d, want 1", s.st.Version)
			}
			return nil, &OpError{Op: "state", Err: ErrState, Cause: fmt.Errorf("%s: %w", path, err), Fix: fix}
		}
		if s.st.Devices == nil {
			s.st.Devices = map[string]BindRecord{}
		}
	}
	return s, nil
}

// save writes the state atomically (temporary file and rename) and keeps the
// lock.
func (s *stateFile) save() error {
	b, err := json.MarshalIndent(s.st, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return &OpError{Op: "state", Err: ErrState, Cause: err, Fix: "make " + filepath.Dir(s.path) + " writable"}
	}
	if err := os.Rename(tmp, s.path); err != nil {
		return &OpError{Op: "state", Err: ErrState, Cause: err}
	}
	return nil
}

func (s *stateFile) close() { s.f.Close() }
