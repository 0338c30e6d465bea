package layers

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sharedLayers are the folders whose types TestNoSwappableFields checks:
// the layers below the tools, which programs build and then run
// goroutines on.
var sharedLayers = []string{"hw/", "drivers/", "stack/", "crypto/", "clock"}

// swappableFields returns "Type.Field" for every exported field of pointer,
// slice, map, func or chan type in a struct type that goroutines share.
// The rule, stated on the syntax so that it needs no type checker: a
// struct is shared when one of its fields (embedded or not, or the element
// of an array field) is a type from package sync or sync/atomic, since a
// type holds a lock or an atomic only because several goroutines use it.
// Such a field may be read by those goroutines at any time, so a caller
// who assigns it (a new route table, a new hook head) races with them;
// it becomes an unexported field set at construction and a method that
// returns it. Value types (Options, Fields, Stats, snapshots) hold no
// sync value and are not checked.
func swappableFields(f *ast.File) []string {
	syncNames := map[string]bool{}
	for _, im := range f.Imports {
		p, err := strconv.Unquote(im.Path.Value)
		if err != nil || p != "sync" && p != "sync/atomic" {
			continue
		}
		name := path.Base(p)
		if im.Name != nil {
			name = im.Name.Name
		}
		syncNames[name] = true
	}
	if len(syncNames) == 0 {
		return nil
	}
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, s := range g.Specs {
			ts := s.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok || !holdsSync(st, syncNames) {
				continue
			}
			for _, fd := range st.Fields.List {
				if !swappable(fd.Type) {
					continue
				}
				names := fd.Names
				if len(names) == 0 { // embedded *T
					if id := baseIdent(fd.Type); id != nil {
						names = []*ast.Ident{id}
					}
				}
				for _, n := range names {
					if n.IsExported() {
						out = append(out, ts.Name.Name+"."+n.Name)
					}
				}
			}
		}
	}
	return out
}

// holdsSync: a field's type (an array's element, a generic instance) is
// named sync.X or atomic.X.
func holdsSync(st *ast.StructType, syncNames map[string]bool) bool {
	for _, fd := range st.Fields.List {
		t := fd.Type
		for {
			switch x := t.(type) {
			case *ast.ArrayType:
				if x.Len == nil {
					t = nil // a slice of locks is not a lock of this type
				} else {
					t = x.Elt
				}
				continue
			case *ast.IndexExpr:
				t = x.X
				continue
			case *ast.IndexListExpr:
				t = x.X
				continue
			case *ast.SelectorExpr:
				if id, ok := x.X.(*ast.Ident); ok && syncNames[id.Name] {
					return true
				}
			}
			break
		}
	}
	return false
}

func swappable(t ast.Expr) bool {
	switch x := t.(type) {
	case *ast.StarExpr, *ast.MapType, *ast.FuncType, *ast.ChanType:
		return true
	case *ast.ArrayType:
		return x.Len == nil
	}
	return false
}

func baseIdent(t ast.Expr) *ast.Ident {
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch x := t.(type) {
	case *ast.Ident:
		return x
	case *ast.SelectorExpr:
		return x.Sel
	}
	return nil
}

// TestSwappableFieldsRule: the rule finds what it must (the shapes the
// stack had before its tables and hooks became methods) and leaves value
// types alone.
func TestSwappableFieldsRule(t *testing.T) {
	const src = `package p
import (
	"sync"
	at "sync/atomic"
)
type Stack struct {
	mu sync.Mutex
	Routes *Table
	EtherIn, EtherOut *Head
	Hook func()
	Names []string
	ByName map[string]int
	Done chan struct{}
	MTU int
	Addr [4]byte
	routes *Table
}
type Gen[T any] struct {
	n [2]at.Pointer[T]
	*Embedded
}
type Options struct {
	Pool *Pool
	Transports []int
}
`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(swappableFields(f), " ")
	want := "Stack.Routes Stack.EtherIn Stack.EtherOut Stack.Hook Stack.Names Stack.ByName Stack.Done Gen.Embedded"
	if got != want {
		t.Fatalf("swappableFields:\n got %s\nwant %s", got, want)
	}
}

// TestNoSwappableFields keeps the rule of docs/ARCHITECTURE.md ("Errors at
// API edges", DESIGN.md's "no exported mutable state"): in the layers
// below the tools, no struct type that goroutines share exports a field a
// caller could swap under them (swappableFields states the rule).
// Internal packages and test doubles are not checked, as in
// TestNoExportedMutableVars.
func TestNoSwappableFields(t *testing.T) {
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
		p, dir, name := f[0], f[1], f[2]
		inLayer := false
		for _, l := range sharedLayers {
			inLayer = inLayer || matches(p, l)
		}
		if !inLayer || name == "main" || strings.Contains(p+"/", "/internal/") || isTestDouble(p) {
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
			for _, fld := range swappableFields(af) {
				t.Errorf("%s (%s): %s is an exported pointer, slice, map, func or chan field of a type goroutines share; make it unexported, set at construction, with a method returning it", strings.TrimPrefix(p, mod), file, fld)
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d files checked", checked)
	}
}
