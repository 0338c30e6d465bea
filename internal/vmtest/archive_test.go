package vmtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestArchiveExactBytes pins the newc encoding of a one-file archive.
func TestArchiveExactBytes(t *testing.T) {
	var b bytes.Buffer
	if err := (tree{"/a": entry{mode: modeRegular | 0o644, data: []byte("hi\n")}}).writeTo(&b); err != nil {
		t.Fatal(err)
	}
	want := "070701" + "00000001" + "000081a4" + "00000000" + "00000000" + "00000001" + "00000000" + "00000003" +
		"00000000" + "00000000" + "00000000" + "00000000" + "00000002" + "00000000" + "a\x00" + "hi\n\x00" +
		"070701" + "00000000" + "00000000" + "00000000" + "00000000" + "00000001" + "00000000" + "00000000" +
		"00000000" + "00000000" + "00000000" + "00000000" + "0000000b" + "00000000" + "TRAILER!!!\x00" + "\x00\x00\x00"
	if b.String() != want {
		t.Errorf("archive\n got %q\nwant %q", b.String(), want)
	}
}

// TestArchiveReadByCpio has GNU cpio (the peer) list and extract an archive
// with every member kind the initramfs uses.
func TestArchiveReadByCpio(t *testing.T) {
	if _, err := exec.LookPath("cpio"); err != nil {
		t.Skip("GNU cpio is missing (apt-get install cpio)")
	}
	host := filepath.Join(t.TempDir(), "host.bin")
	hostData := bytes.Repeat([]byte{1, 2, 3, 4, 5}, 1001) // length not a multiple of 4
	os.WriteFile(host, hostData, 0o644)
	tr := tree{}
	tr.file("/init", 0o755, []byte("#!/bin/sh\n"))
	tr.hostFile("/lib/x/big.bin", 0o644, host)
	tr.symlink("/bin/sh", "/bin/busybox")
	tr.dir("/proc")
	tr.charDev("/dev/console", 0o600, 5, 1)
	var b bytes.Buffer
	if err := tr.writeTo(&b); err != nil {
		t.Fatal(err)
	}
	list := func(flags ...string) []string {
		cmd := exec.Command("cpio", append([]string{"-t", "--quiet"}, flags...)...)
		cmd.Stdin = bytes.NewReader(b.Bytes())
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("cpio -t: %v", err)
		}
		return strings.Split(strings.TrimSpace(string(out)), "\n")
	}
	// Modes from the verbose listing, names (and link targets) from the
	// plain one: device lines have extra fields.
	verbose, names := list("-v"), list()
	var got []string
	for i, l := range verbose {
		name := names[i]
		if j := strings.Index(l, " -> "); j >= 0 {
			name += l[j:]
		}
		got = append(got, strings.Fields(l)[0]+" "+name)
	}
	want := []string{
		"drwxr-xr-x bin", "lrwxrwxrwx bin/sh -> /bin/busybox", "drwxr-xr-x dev", "crw------- dev/console",
		"-rwxr-xr-x init", "drwxr-xr-x lib", "drwxr-xr-x lib/x", "-rw-r--r-- lib/x/big.bin", "drwxr-xr-x proc",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("cpio -t:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if os.Getuid() != 0 {
		return // extraction of device nodes needs root; the listing above suffices
	}
	dir := t.TempDir()
	cmd := exec.Command("cpio", "-i", "-d", "--quiet", "--no-absolute-filenames")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(b.Bytes())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cpio -i: %v: %s", err, out)
	}
	if d, _ := os.ReadFile(filepath.Join(dir, "lib/x/big.bin")); !bytes.Equal(d, hostData) {
		t.Errorf("big.bin extracted as %d bytes, want %d", len(d), len(hostData))
	}
	if l, _ := os.Readlink(filepath.Join(dir, "bin/sh")); l != "/bin/busybox" {
		t.Errorf("bin/sh -> %q", l)
	}
}

func TestArchiveMissingHostFile(t *testing.T) {
	tr := tree{}
	tr.hostFile("/x", 0o644, "/nonexistent/gopkt-file")
	err := tr.writeTo(&bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "initramfs member /x") {
		t.Errorf("err = %v", err)
	}
}
