// Package layers holds the test that keeps gopkt's import rules
// (docs/ARCHITECTURE.md, "Import direction") true: it asks go list for
// every package's dependencies and fails on an import that points up or
// sideways. It has no code; the rules are in layers_test.go.
package layers
