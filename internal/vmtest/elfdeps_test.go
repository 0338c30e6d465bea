package vmtest

import (
	"context"
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

// TestExtraLibsAndFiles checks that Config.Libs brings a host library with
// its own dependencies, and Config.Files both kinds of file.
func TestExtraLibsAndFiles(t *testing.T) {
	const lib = "/usr/lib/x86_64-linux-gnu/libpcap.so.0.8"
	if !isFile(lib) {
		t.Skip(lib + " missing (apt-get install libpcap0.8)")
	}
	host := filepath.Join(t.TempDir(), "conf")
	os.WriteFile(host, []byte("x"), 0o644)
	im := &image{cfg: &Config{Libs: []string{lib}, Files: []File{{Guest: "/etc/a", Data: []byte("a"), Mode: 0o600}, {Guest: "etc/b", Host: host}}}, t: tree{}}
	if err := im.extra(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := im.sharedLibs(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := im.t["/etc/a"]; e.mode != modeRegular|0o600 || string(e.data) != "a" {
		t.Errorf("/etc/a = %+v", e)
	}
	if e := im.t["/etc/b"]; e.mode != modeRegular|0o755 || e.host != host {
		t.Errorf("/etc/b = %+v", e)
	}
	for _, want := range []string{lib, "/lib64/ld-linux-x86-64.so.2"} {
		if _, ok := im.t[want]; !ok {
			t.Errorf("%s missing from the guest tree", want)
		}
	}
	libc := false
	for p := range im.t {
		libc = libc || strings.HasSuffix(p, "/libc.so.6")
	}
	if !libc {
		t.Errorf("libc missing: libpcap's dependencies were not followed")
	}
	im = &image{cfg: &Config{Libs: []string{"/nonexistent/libx.so"}}, t: tree{}}
	if err := im.extra(context.Background()); err == nil || !strings.Contains(err.Error(), "install its Debian package") {
		t.Errorf("missing lib: %v", err)
	}
}
