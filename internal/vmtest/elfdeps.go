package vmtest

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// libDirs are searched, in order, for a DT_NEEDED name: first inside the
// guest tree's own roots (unpacked Debian packages), then on the host.
var libDirs = []string{
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
}

// elfNeeds reports the interpreter, DT_NEEDED libraries and DT_RUNPATH/RPATH
// directories of an ELF file; ok is false when the file is not ELF.
func elfNeeds(p string) (interp string, needed, runpath []string, ok bool, err error) {
	magic := make([]byte, 4)
	if fh, err := os.Open(p); err != nil {
		return "", nil, nil, false, err
	} else {
		n, _ := fh.Read(magic)
		fh.Close()
		if n < 4 || string(magic) != elf.ELFMAG {
			return "", nil, nil, false, nil
		}
	}
	f, err := elf.Open(p)
	if err != nil {
		return "", nil, nil, true, fmt.Errorf("vmtest: %s looks like ELF but does not parse: %w", p, err)
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			b := make([]byte, prog.Filesz)
			if _, err := prog.ReadAt(b, 0); err != nil {
				return "", nil, nil, true, fmt.Errorf("%s: PT_INTERP: %w", p, err)
			}
			interp = strings.TrimRight(string(b), "\x00")
		}
	}
	if f.Section(".dynamic") == nil {
		return interp, nil, nil, true, nil
	}
	needed, err = f.ImportedLibraries()
	if err != nil {
		return "", nil, nil, true, fmt.Errorf("%s: %w", p, err)
	}
	for _, tag := range []elf.DynTag{elf.DT_RUNPATH, elf.DT_RPATH} {
		v, _ := f.DynString(tag)
		for _, s := range v {
			runpath = append(runpath, filepath.SplitList(s)...)
		}
	}
	return interp, needed, runpath, true, nil
}

// libResolver finds shared libraries for ELF files going into the guest.
type libResolver struct {
	roots []string // unpacked package trees searched before the host
}

// find locates a library by name; it returns the host file and the guest path.
func (r libResolver) find(name string, runpath []string) (host, guest string, err error) {
	dirs := append(append([]string{}, runpath...), libDirs...)
	for _, d := range dirs {
		if strings.Contains(d, "$ORIGIN") {
			continue
		}
		for _, root := range r.roots {
			if p := filepath.Join(root, d, name); isFile(p) {
				return p, filepath.Join(d, name), nil
			}
		}
		if p := filepath.Join(d, name); isFile(p) {
			return p, p, nil
		}
	}
	return "", "", fmt.Errorf("vmtest: shared library %s is needed but found neither in the unpacked packages nor on the host (install the Debian package that provides it)", name)
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// addLibs adds to t the interpreter and every shared library the ELF file at
// host needs, transitively. Non-ELF files are ignored.
func (r libResolver) addLibs(t tree, host string) error {
	queue := []string{host}
	done := map[string]bool{}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if done[p] {
			continue
		}
		done[p] = true
		interp, needed, runpath, ok, err := elfNeeds(p)
		if err != nil || !ok {
			return err
		}
		if interp != "" {
			hp := interp
			for _, root := range r.roots {
				if isFile(filepath.Join(root, interp)) {
					hp = filepath.Join(root, interp)
				}
			}
			if !isFile(hp) {
				return fmt.Errorf("vmtest: %s needs the dynamic loader %s, which the host lacks", host, interp)
			}
			t.hostFile(interp, 0o755, hp)
		}
		for _, n := range needed {
			hp, gp, err := r.find(n, runpath)
			if err != nil {
				return fmt.Errorf("%w (for %s)", err, p)
			}
			if _, ok := t[cleanGuest(gp)]; !ok || t[cleanGuest(gp)].mode&^0o7777 == modeSymlink {
				t.hostFile(gp, 0o755, hp)
			}
			queue = append(queue, hp)
		}
	}
	return nil
}
