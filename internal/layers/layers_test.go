package layers

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/gopkt/gopkt/"

// rule: packages matching From may not depend, directly or not, on
// packages matching any of Not (Except excused).
type rule struct {
	from   string
	not    []string
	except []string
	why    string
}

var rules = []rule{
	{"hw/", []string{"drivers/", "stack/", "tools/", "netif/", "pcihost", "control", "vfio", "pktdump", "github.com/jaypipes/pcidb", "net/http"},
		nil, "hw is the bottom layer: no driver, tool or pci.ids parsing"},
	{"stack/", []string{"drivers/", "tools/", "netif/", "pcihost", "vfio", "control", "pktdump", "github.com/jaypipes/pcidb"},
		nil, "the stack sees drivers only through hw/port, and links no pci.ids parsing"},
	{"drivers/", []string{"stack/", "tools/", "netif/", "pcihost", "control", "pktdump", "github.com/jaypipes/pcidb"},
		nil, "drivers sit below the stack and link no operator tooling"},
	{"vfio", []string{"drivers/", "stack/", "tools/", "netif/", "pcihost", "control", "github.com/jaypipes/pcidb"},
		nil, "vfio implements hw/pci.Function, nothing above it"},
	{"crypto", []string{"hw/", "drivers/", "stack/", "tools/", "netif/", "vfio", "pcihost", "control"},
		nil, "crypto imports nothing of gopkt"},
	{"clock", []string{"hw/", "drivers/", "stack/", "tools/", "netif/", "vfio", "pcihost", "control", "crypto"},
		nil, "the clock every layer injects imports nothing of gopkt"},
	{"control", []string{"drivers/", "stack/", "tools/", "netif/", "pcihost", "vfio", "hw/"},
		nil, "the control protocol is what clients link: no stack or driver in it"},
}

type pkg struct {
	ImportPath string
	Deps       []string
}

func list(t *testing.T) []pkg {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Deps", mod+"...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var ps []pkg
	d := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := d.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	if len(ps) < 50 {
		t.Fatalf("go list found only %d packages", len(ps))
	}
	return ps
}

// gopktDirs are the module's top folders: patterns starting with one are
// gopkt's, others are import paths as written ("net/http").
var gopktDirs = []string{"hw", "stack", "drivers", "tools", "netif", "pcihost", "control", "vfio", "pktdump", "crypto", "clock", "internal"}

// matches: a rule pattern ending in "/" is a folder, others a package and
// everything below it.
func matches(path, pattern string) bool {
	if slices.Contains(gopktDirs, strings.SplitN(strings.TrimSuffix(pattern, "/"), "/", 2)[0]) {
		pattern = mod + pattern
	}
	if strings.HasSuffix(pattern, "/") {
		return strings.HasPrefix(path, pattern)
	}
	return path == pattern || strings.HasPrefix(path, pattern+"/")
}

// isTestDouble: fakes beside what they fake (pcitest, e1000test,
// stacktest) and the test lanes may reach higher to build scenarios.
func isTestDouble(path string) bool {
	last := path[strings.LastIndex(path, "/")+1:]
	return strings.HasSuffix(last, "test") || strings.Contains(path, "/internal/")
}

func TestImportRules(t *testing.T) {
	for _, p := range list(t) {
		if isTestDouble(p.ImportPath) {
			continue
		}
		for _, r := range rules {
			if !matches(p.ImportPath, r.from) {
				continue
			}
			for _, d := range p.Deps {
				for _, n := range r.not {
					if matches(d, n) && !slices.Contains(r.except, d) && !matches(d, r.from) {
						t.Errorf("%s depends on %s: %s", strings.TrimPrefix(p.ImportPath, mod), d, r.why)
					}
				}
			}
		}
	}
}

// TestToolsDoNotImportTools: tools import libraries, never each other.
func TestToolsDoNotImportTools(t *testing.T) {
	// The rules must be able to fail: the daemon reaches the e1000 driver.
	if !matches(mod+"drivers/e1000", "drivers/") || !matches("net/http", "net/http") || matches(mod+"stackx", "stack/") ||
		!matches(mod+"clock", "clock") {
		t.Fatal("pattern matching is broken")
	}
	for _, p := range list(t) {
		if !matches(p.ImportPath, "tools/") {
			continue
		}
		self := strings.SplitN(strings.TrimPrefix(p.ImportPath, mod+"tools/"), "/", 2)[0]
		for _, d := range p.Deps {
			if matches(d, "tools/") && !matches(d, "tools/"+self) {
				t.Errorf("%s imports %s: move the shared part into a library", strings.TrimPrefix(p.ImportPath, mod), d)
			}
		}
	}
}
