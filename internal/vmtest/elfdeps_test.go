package vmtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLibsOfHostBinary resolves the libraries of a dynamic host program and
// checks the loader and libc are among them, as ldd would list them.
func TestLibsOfHostBinary(t *testing.T) {
	const prog = "/usr/bin/ls"
	if !isFile(prog) {
		t.Skip(prog + " missing")
	}
	tr := tree{}
	if err := (libResolver{}).addLibs(tr, prog); err != nil {
		t.Fatal(err)
	}
	var names []string
	for p := range tr {
		names = append(names, p)
	}
	all := strings.Join(names, " ")
	for _, want := range []string{"/lib64/ld-linux-x86-64.so.2", "/libc.so.6"} {
		if !strings.Contains(all, want) {
			t.Errorf("libraries of %s lack %s: %s", prog, want, all)
		}
	}
}

func TestLibsStaticAndMissing(t *testing.T) {
	bb, err := busyboxPath()
	if err == nil {
		interp, needed, _, ok, err := elfNeeds(bb)
		if err != nil || !ok || interp != "" || len(needed) != 0 {
			t.Errorf("static busybox: interp %q needed %q ok %v err %v", interp, needed, ok, err)
		}
	}
	script := filepath.Join(t.TempDir(), "s.sh")
	os.WriteFile(script, []byte("#!/bin/sh\n"), 0o755)
	if _, _, _, ok, err := elfNeeds(script); ok || err != nil {
		t.Errorf("script: ok %v err %v", ok, err)
	}
	_, _, err = (libResolver{}).find("libgopkt-nonexistent.so.9", nil)
	if err == nil || !strings.Contains(err.Error(), "install the Debian package that provides it") {
		t.Errorf("missing library: %v", err)
	}
}
