// Package layers holds the test that keeps gopkt's import rules
// (docs/ARCHITECTURE.md, "Import direction") true: it asks go list for
// every package's dependencies and fails on an import that points up or
// sideways; vars_test.go fails on an exported package-level variable
// (other than a sentinel error) in a package programs import; fields_test.go
// fails on an exported pointer, slice, map, func or chan field of a type
// goroutines share, in the layers below the tools. It has no
// code; the rules are in the tests.
package layers
