package layers

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/ccm"
	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/igb"
	"github.com/gopkt/gopkt/drivers/wifi80211/hwsim"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/observer"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/pcihost"
	"github.com/gopkt/gopkt/pktdump"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/dhcp4"
	"github.com/gopkt/gopkt/stack/pf"
	"github.com/gopkt/gopkt/vfio"
)

type opErrorCase struct {
	pkg, prefix string
	e           error
}

// opErrors is every package's OpError with the prefix its messages start
// with (the package name; pcihost keeps the "pci" of its sentinels).
// TestOpErrorsListed fails when a package gains an OpError missing here.
var opErrors = []opErrorCase{
	{"control", "control", &control.OpError{}},
	{"crypto", "crypto", &crypto.OpError{}},
	{"crypto/ccm", "ccm", &ccm.OpError{}},
	{"drivers/e1000", "e1000", &e1000.OpError{}},
	{"drivers/igb", "igb", &igb.OpError{}},
	{"drivers/wifi80211/hwsim", "hwsim", &hwsim.OpError{}},
	{"drivers/wifi80211/net80211", "net80211", &net80211.OpError{}},
	{"drivers/wifi80211/observer", "observer", &observer.OpError{}},
	{"drivers/wifi80211/vcard", "vcard", &vcard.OpError{}},
	{"hw/mbuf", "mbuf", &mbuf.OpError{}},
	{"pcihost", "pci", &pcihost.OpError{}},
	{"pktdump", "pktdump", &pktdump.OpError{}},
	{"stack", "stack", &stack.OpError{}},
	{"stack/dhcp4", "dhcp4", &dhcp4.OpError{}},
	{"stack/pf", "pf", &pf.OpError{}},
	{"vfio", "vfio", &vfio.OpError{}},
}

// subjectFields name what an operation acted on; an OpError has at most
// one of them (crypto's Alg, a typed value, is left zero here).
var subjectFields = []string{"Addr", "Interface", "Iface", "Peer", "Pool", "Engine"}

// TestOpErrorFormat: every OpError reads
// "prefix: Op Subject: Err: Detail: Cause; Fix", empty parts left out and
// the prefix not repeated from Err's text (docs/ARCHITECTURE.md, "Errors
// at API edges").
func TestOpErrorFormat(t *testing.T) {
	for _, c := range opErrors {
		v := reflect.ValueOf(c.e).Elem()
		typ := v.Type()
		var has struct{ subject, detail, cause bool }
		for i := range typ.NumField() {
			switch f := typ.Field(i); {
			case f.Name == "Op" || f.Name == "Err" || f.Name == "Fix" || f.Name == "Alg" && c.pkg == "crypto":
			case slices.Contains(subjectFields, f.Name):
				if has.subject {
					t.Errorf("%s.OpError: a second subject field %s", c.pkg, f.Name)
				}
				has.subject = true
			case f.Name == "Detail":
				has.detail = true
			case f.Name == "Cause":
				has.cause = true
			default:
				t.Errorf("%s.OpError: field %s is not part of the format; add it here and to docs/ARCHITECTURE.md", c.pkg, f.Name)
			}
		}
		set := func(name string, x any) {
			if f := v.FieldByName(name); f.IsValid() {
				f.Set(reflect.ValueOf(x))
			}
		}
		// Minimal: Op and Err only; Err repeats the package's prefix.
		v.SetZero()
		set("Op", "open")
		set("Err", error(errors.New(c.prefix+": no such thing")))
		if got, want := c.e.Error(), c.prefix+": open: no such thing"; got != want {
			t.Errorf("%s: minimal OpError reads %q, want %q", c.pkg, got, want)
		}
		// Everything set.
		want := c.prefix + ": open"
		for _, n := range subjectFields {
			set(n, "em0")
		}
		if has.subject {
			want += " em0"
		}
		sentinel := errors.New("no such thing")
		set("Err", sentinel)
		want += ": no such thing"
		set("Detail", "it is bound to e1000")
		if has.detail {
			want += ": it is bound to e1000"
		}
		set("Cause", error(os.ErrPermission))
		if has.cause {
			want += ": " + os.ErrPermission.Error()
		}
		set("Fix", "run it as root")
		want += "; run it as root"
		if got := c.e.Error(); got != want {
			t.Errorf("%s: full OpError reads %q, want %q", c.pkg, got, want)
		}
		if !errors.Is(c.e, sentinel) {
			t.Errorf("%s: errors.Is does not reach Err", c.pkg)
		}
		if !errors.Is(c.e, os.ErrPermission) && has.cause {
			t.Errorf("%s: errors.Is does not reach the Cause", c.pkg)
		}
	}
}

// TestOpErrorsListed: the table above holds every package that declares
// an OpError type, so TestOpErrorFormat sees them all.
func TestOpErrorsListed(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{join .GoFiles \" \"}}", mod+"...").Output()
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(line, "\t", 3)
		if len(f) < 3 {
			continue
		}
		for _, file := range strings.Fields(f[2]) {
			af, err := parser.ParseFile(token.NewFileSet(), filepath.Join(f[1], file), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range af.Decls {
				if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
					for _, s := range g.Specs {
						if s.(*ast.TypeSpec).Name.Name == "OpError" {
							found = append(found, strings.TrimPrefix(f[0], mod))
						}
					}
				}
			}
		}
	}
	if len(found) < len(opErrors) {
		t.Fatalf("found only %d OpError types (%v); the table has %d", len(found), found, len(opErrors))
	}
	for _, p := range found {
		if !slices.ContainsFunc(opErrors, func(c opErrorCase) bool { return c.pkg == p }) {
			t.Errorf("%s declares an OpError that TestOpErrorFormat does not check: add it to opErrors", p)
		}
	}
}
