//go:build !amd64 || purego

package ccm

func haveAsm() bool { return false }

func (a *AEAD) encrypt2(x, y *[16]byte)                      { a.encrypt2Generic(x, y) }
func (a *AEAD) cbcMac(x *[16]byte, src []byte)               { a.cbcMacGeneric(x, src) }
func (a *AEAD) sealBlocks(x, ctr *[16]byte, dst, src []byte) { a.sealBlocksGeneric(x, ctr, dst, src) }
func (a *AEAD) openBlocks(x, ctr, ks *[16]byte, dst, src []byte) {
	a.openBlocksGeneric(x, ctr, ks, dst, src)
}
