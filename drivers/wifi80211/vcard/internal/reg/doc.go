// Package reg is the register map and descriptor layout of the gopkt virtual
// 802.11 card (docs/vcard.md), shared by the driver (package vcard) and the
// device model (package vcardsim) so the two cannot drift apart. Names keep
// the mnemonics of the spec; each block cites its section.
//
// Descriptors are views over DMA memory (little-endian, fixed offsets); they
// do not allocate and never panic once constructed from a 32-byte slice.
package reg
