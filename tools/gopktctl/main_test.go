package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// The command line without a daemon: usage mistakes exit 2 with the
// verb's syntax, an absent daemon exits 1 naming the socket and the fix.
// (The verbs against a running daemon are tested in tools/gopkt's
// control_test.go and mount_test.go, which build this command.)
func TestCommandLine(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "Usage: gopktctl"},
		{[]string{"--help"}, exitOK, "dump"},
		{[]string{"frobnicate"}, exitUsage, `unknown verb "frobnicate"`},
		{[]string{"arp", "extra"}, exitUsage, `unexpected argument "extra"`},
		{[]string{"route", "add"}, exitUsage, "want: route add|del DEST"},
		{[]string{"ifconfig", "tap0", "sideways"}, exitUsage, `unexpected "sideways"`},
		{[]string{"ifconfig", "tap0", "up", "down"}, exitUsage, "up and down at once"},
		{[]string{"dump"}, exitUsage, "which interface?"},
		{[]string{"log", "-f", "--json"}, exitUsage, ""},
		{[]string{"umount"}, exitUsage, "want one interface"},
		{[]string{"mount"}, exitUsage, "which driver?"},
		{[]string{"ping"}, exitUsage, "want one address"},
		{[]string{"proto", "reload", "udp"}, exitUsage, "want: proto [load"},
		{[]string{"proto", "unload"}, exitUsage, "want: proto [load"},
		{[]string{"nc"}, exitUsage, "want one ADDR:PORT"},
		{[]string{"get"}, exitUsage, "want one URL"},
		{[]string{"get", "::"}, exitUsage, "missing protocol scheme"},
		{[]string{"ping", "-c", "x", "198.18.0.1"}, exitUsage, "invalid argument"},
		{[]string{"--socket", sock, "ifconfig"}, exitFail, "is gopkt running with --control " + sock},
		{[]string{"--socket", sock, "--json", "netstat"}, exitFail, "no such file or directory"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), c.args, &out, &errb)
		if code != c.code || !strings.Contains(out.String()+errb.String(), c.want) {
			t.Errorf("gopktctl %s: exit %d, want %d with %q\nstdout: %s\nstderr: %s", strings.Join(c.args, " "), code, c.code, c.want, out.String(), errb.String())
		}
	}
}
