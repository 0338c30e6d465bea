//go:build !amd64 || purego

package ccm

func haveVAES() bool { return false }

func cpuVAES() bool { return false }

func quadable(a *[4]*AEAD, vaes bool) bool { return false }

func quadRun(open bool, a *[4]*AEAD, st *[4]state, ks *[4][16]byte, m *[4]*Msg, blocks int) {
	panic("ccm: no four-lane path in this build")
}
