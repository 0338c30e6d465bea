//go:build !(386 || amd64 || arm || arm64 || loong64 || mips64le || mipsle || ppc64le || riscv64 || wasm)

package pci

// gopkt reads device registers and descriptors as little-endian memory without
// swapping; building it for a big-endian host is a compile error on purpose.
var _ = "gopkt supports little-endian hosts only" + 1
