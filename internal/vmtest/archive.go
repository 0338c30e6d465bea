package vmtest

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
)

// The initramfs is a cpio archive in the "newc" format (Linux
// Documentation/driver-api/early-userspace/buffer-format.rst): every member is
// a 110-byte ASCII header ("070701" and thirteen 8-digit hex fields), the
// NUL-terminated name padded to a multiple of four, then the data padded to a
// multiple of four. A member named "TRAILER!!!" ends the archive. Writing it
// ourselves needs no root (device nodes are just headers) and no copying of the
// files into a staging tree.

// Unix file-type bits of the newc mode field (stat(2) S_IF*).
const (
	modeDir     = 0o040000
	modeRegular = 0o100000
	modeSymlink = 0o120000
	modeCharDev = 0o020000
)

// entry is one member of the guest's root file system.
type entry struct {
	mode   uint32 // type and permission bits
	data   []byte // contents for a regular file held in memory
	host   string // contents for a regular file read from the host
	target string // symlink target
	rdev   [2]uint32
}

// tree is the guest's root file system before it becomes an archive. Keys are
// absolute guest paths; parent directories are added when the archive is
// written.
type tree map[string]entry

func cleanGuest(p string) string { return path.Clean("/" + p) }

func (t tree) dir(p string) { t[cleanGuest(p)] = entry{mode: modeDir | 0o755} }
func (t tree) symlink(p, target string) {
	t[cleanGuest(p)] = entry{mode: modeSymlink | 0o777, target: target}
}
func (t tree) file(p string, mode uint32, b []byte) {
	t[cleanGuest(p)] = entry{mode: modeRegular | mode&0o7777, data: b}
}
func (t tree) hostFile(p string, mode uint32, host string) {
	t[cleanGuest(p)] = entry{mode: modeRegular | mode&0o7777, host: host}
}
func (t tree) charDev(p string, mode, major, minor uint32) {
	t[cleanGuest(p)] = entry{mode: modeCharDev | mode&0o7777, rdev: [2]uint32{major, minor}}
}

// writeTo writes the tree as a newc archive: directories first where they
// are parents (sorted order guarantees "/a" before "/a/b"), then the trailer.
func (t tree) writeTo(w io.Writer) error {
	all := make(map[string]entry, len(t))
	for p, e := range t {
		all[p] = e
		for d := path.Dir(p); d != "/"; d = path.Dir(d) {
			if _, ok := t[d]; !ok {
				all[d] = entry{mode: modeDir | 0o755}
			}
		}
	}
	names := make([]string, 0, len(all))
	for p := range all {
		names = append(names, p)
	}
	sort.Strings(names)
	bw := bufio.NewWriterSize(w, 1<<20)
	ino := uint32(1)
	for _, p := range names {
		e := all[p]
		var body []byte
		var src io.Reader
		var file *os.File
		size := int64(0)
		switch e.mode &^ 0o7777 {
		case modeRegular:
			if e.host != "" {
				f, err := os.Open(e.host)
				if err != nil {
					return fmt.Errorf("vmtest: initramfs member %s: %w", p, err)
				}
				st, err := f.Stat()
				if err != nil {
					f.Close()
					return err
				}
				src, file, size = f, f, st.Size()
			} else {
				body, size = e.data, int64(len(e.data))
			}
		case modeSymlink:
			body, size = []byte(e.target), int64(len(e.target))
		}
		if size > 1<<32-1 {
			return fmt.Errorf("vmtest: initramfs member %s is larger than 4 GiB", p)
		}
		err := writeMember(bw, strings.TrimPrefix(p, "/"), ino, e, uint32(size), body, src)
		if file != nil {
			file.Close()
		}
		if err != nil {
			return err
		}
		ino++
	}
	if err := writeMember(bw, "TRAILER!!!", 0, entry{}, 0, nil, nil); err != nil {
		return err
	}
	return bw.Flush()
}

// writeMember writes one header, name and body. The body comes from b or,
// when src is set, from src (exactly size bytes).
func writeMember(w *bufio.Writer, name string, ino uint32, e entry, size uint32, b []byte, src io.Reader) error {
	nlink := uint32(1)
	if e.mode&^0o7777 == modeDir {
		nlink = 2
	}
	// Fields: magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
	// devminor, rdevmajor, rdevminor, namesize (with NUL), check.
	if _, err := fmt.Fprintf(w, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		ino, e.mode, 0, 0, nlink, 0, size, 0, 0, e.rdev[0], e.rdev[1], len(name)+1, 0); err != nil {
		return err
	}
	w.WriteString(name)
	w.WriteByte(0)
	pad(w, 110+len(name)+1)
	if src != nil {
		n, err := io.CopyN(w, src, int64(size))
		if err != nil {
			return fmt.Errorf("vmtest: initramfs member %s: copied %d of %d bytes: %w", name, n, size, err)
		}
	} else {
		w.Write(b)
	}
	return pad(w, int(size))
}

// pad writes zeros up to the next multiple of four after n bytes.
func pad(w *bufio.Writer, n int) error {
	for ; n%4 != 0; n++ {
		if err := w.WriteByte(0); err != nil {
			return err
		}
	}
	return nil
}
