package layers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoExportedMutableVars keeps the rule of docs/ARCHITECTURE.md
// ("Errors at API edges") and DESIGN.md (no globals): no package a
// program imports exports a package-level variable, since any importer could
// change it under every other; tables and defaults are functions or
// constants. Sentinel errors (Err...) are the exception. Internal
// packages, test doubles (…test packages) and commands are not imported
// by programs and are not checked.
func TestNoExportedMutableVars(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{.Name}}\t{{join .GoFiles \" \"}}", mod+"...").Output()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(line, "\t", 4)
		if len(f) < 4 {
			continue
		}
		path, dir, name := f[0], f[1], f[2]
		if name == "main" || strings.Contains(path+"/", "/internal/") || isTestDouble(path) {
			continue
		}
		for _, file := range strings.Fields(f[3]) {
			src, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			af, err := parser.ParseFile(token.NewFileSet(), file, src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			for _, d := range af.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.VAR {
					continue
				}
				for _, s := range g.Specs {
					for _, n := range s.(*ast.ValueSpec).Names {
						if n.IsExported() && !strings.HasPrefix(n.Name, "Err") {
							t.Errorf("%s (%s): exported package-level variable %s; make it a function, a constant or unexported", path, file, n.Name)
						}
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no file checked")
	}
}
