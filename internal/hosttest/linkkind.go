package hosttest

import (
	"fmt"
	"os/exec"
	"strings"
)

// LinkKind needs the kernel to make links of a kind (a vlan, a gre tunnel):
// script, run by sh in a fresh network namespace of its own (unshare -n, so
// the probe touches nothing of the host's), must succeed. module is the
// kernel module that provides the kind.
func LinkKind(kind, module, script string) Need {
	return Need{name: "link kind " + kind, kernel: true, check: func() error {
		if _, err := exec.LookPath("unshare"); err != nil {
			return fmt.Errorf("unshare not installed (Debian package util-linux), needed to probe for %s links", kind)
		}
		out, err := exec.Command("unshare", "-n", "sh", "-c", script).CombinedOutput()
		if err != nil {
			return fmt.Errorf("the kernel cannot make %s links (%s; module %s: modprobe %s, or a kernel with it built in)",
				kind, strings.TrimSpace(string(out)), module, module)
		}
		return nil
	}}
}

// Link kinds the interop tests need from the kernel.
var (
	LinkKindVLAN = LinkKind("vlan", "8021q", "ip link add p type veth peer name q && ip link add link p name v type vlan id 5")
	LinkKindGRE  = LinkKind("gre", "ip_gre", "ip link add g type gre remote 198.18.0.1 local 198.18.0.2")
	LinkKindIPIP = LinkKind("ipip", "ipip", "ip link add g type ipip remote 198.18.0.1 local 198.18.0.2")
)
