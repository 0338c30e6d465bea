package ccm

import (
	"os"
	"strings"
	"testing"
)

// TestCPUDetection checks our feature detection against the kernel's view
// in /proc/cpuinfo, so a detection bug cannot silently leave the fast
// paths untested (or enable them on a CPU without them).
func TestCPUDetection(t *testing.T) {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skip("no /proc/cpuinfo: cannot cross-check CPU feature detection here")
	}
	var flags map[string]bool
	for _, line := range strings.Split(string(info), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "flags" {
			flags = map[string]bool{}
			for _, f := range strings.Fields(v) {
				flags[f] = true
			}
			break
		}
	}
	if flags == nil {
		t.Skip("no flags line in /proc/cpuinfo (not x86?)")
	}
	if got, want := haveAsm(), flags["aes"] && flags["ssse3"] && !purego; got != want {
		t.Errorf("haveAsm() = %v; cpuinfo says aes=%v ssse3=%v (purego build %v)", got, flags["aes"], flags["ssse3"], purego)
	}
	if got, want := cpuVAES(), flags["vaes"] && flags["avx2"] && flags["aes"] && !purego; got != want {
		t.Errorf("cpuVAES() = %v; cpuinfo says vaes=%v avx2=%v", got, flags["vaes"], flags["avx2"])
	}
	if cpuVAES() && !haveVAES() {
		t.Logf("the CPU says VAES but the four-lane path failed its known-answer check: it stays off (an emulator's bug?)")
	}
}
