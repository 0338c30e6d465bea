package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gopkt/gopkt/pcihost"
	"github.com/spf13/pflag"
)

const usage = `usage: vfio-bind [global flags] COMMAND [flags] [ADDR...]

commands:
  list              show PCI network functions: address, IDs, names, class,
                    driver, IOMMU group, interfaces and their state
  bind ADDR...      move functions to vfio-pci (loading it if needed)
  unbind ADDR...    give functions back to the driver they had before bind
                    (refused, naming the program, while one holds the
                    function open through VFIO)

ADDR is a PCI address as list shows it (0000:00:02.0, or 00:02.0).
`

// globals are the flags every command takes.
type globals struct {
	sysfs, state, moduleRoot, pciIDs string
}

func (g *globals) register(fs *pflag.FlagSet) {
	fs.StringVar(&g.sysfs, "sysfs", "/sys", "sysfs mount point")
	fs.StringVar(&g.state, "state", pcihost.DefaultStatePath, "file remembering each bound device's previous driver")
	fs.StringVar(&g.moduleRoot, "module-root", "", "directory holding lib/modules/RELEASE, for modprobe -d on systems without a module configuration")
	fs.StringVar(&g.pciIDs, "pci-ids", "", "pci.ids file for names (default: the system's; names are left out without one)")
}

func (g *globals) binder() *pcihost.Binder {
	return &pcihost.Binder{
		Discovery:  &pcihost.Discovery{Sysfs: g.sysfs, PCIIDs: g.pciIDs},
		StatePath:  g.state,
		ModuleRoot: g.moduleRoot,
	}
}

// run is the whole program; it returns the exit status: 0 success, 1 an
// operation failed, 2 a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, rest := args[0], args[1:]
	var g globals
	fs := pflag.NewFlagSet("vfio-bind "+cmd, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	g.register(fs)
	var all, asJSON, force bool
	var driver, to string
	switch cmd {
	case "list", "status":
		fs.BoolVar(&all, "all", false, "show every PCI function, not only network controllers")
		fs.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	case "bind":
		fs.BoolVar(&force, "force", false, "bind even when the device's interface is up with addresses or routes")
		fs.StringVar(&driver, "driver", pcihost.VFIODriver, "driver to bind to")
	case "unbind":
		fs.StringVar(&to, "to", "", `driver to give the device to (default: the one it had before bind; "none" leaves it unbound)`)
	default:
		fmt.Fprintf(stderr, "vfio-bind: unknown command %q\n%s", cmd, usage)
		return 2
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "vfio-bind %s: %v\n", cmd, err)
		return 2
	}
	switch cmd {
	case "list", "status":
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "vfio-bind list: takes no arguments (got %q)\n", fs.Args())
			return 2
		}
		return list(&g, all, asJSON, stdout, stderr)
	case "bind", "unbind":
		if fs.NArg() == 0 {
			fmt.Fprintf(stderr, "vfio-bind %s: name at least one PCI address (see vfio-bind list)\n", cmd)
			return 2
		}
		b := g.binder()
		var res []pcihost.BindResult
		var err error
		if cmd == "bind" {
			res, err = b.Bind(fs.Args(), driver, force)
		} else {
			res, err = b.Unbind(fs.Args(), to)
		}
		for _, r := range res {
			fmt.Fprintln(stdout, describe(r))
			for _, w := range r.Warnings {
				fmt.Fprintf(stderr, "vfio-bind: warning: %s\n", w)
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "vfio-bind: %v\n", err)
			return 1
		}
	}
	return 0
}

// describe is the one-line report of a moved device.
func describe(r pcihost.BindResult) string {
	from, to := r.From, r.To
	if from == "" {
		from = "(no driver)"
	}
	if to == "" {
		to = "(no driver)"
	}
	s := fmt.Sprintf("%s: %s -> %s", r.Addr, from, to)
	var extra []string
	if r.To == pcihost.VFIODriver && r.Group >= 0 {
		extra = append(extra, fmt.Sprintf("IOMMU group %d, /dev/vfio/%d", r.Group, r.Group))
	}
	if len(r.Interfaces) > 0 {
		extra = append(extra, "interface "+strings.Join(r.Interfaces, ", "))
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, "; ") + ")"
	}
	return s
}

func list(g *globals, all, asJSON bool, stdout, stderr io.Writer) int {
	devs, err := (&pcihost.Discovery{Sysfs: g.sysfs, PCIIDs: g.pciIDs}).Devices()
	if err != nil {
		fmt.Fprintf(stderr, "vfio-bind: %v\n", err)
		return 1
	}
	if !all {
		var nets []pcihost.Device
		for _, d := range devs {
			if d.IsNetwork() {
				nets = append(nets, d)
			}
		}
		devs = nets
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if devs == nil {
			devs = []pcihost.Device{}
		}
		if err := enc.Encode(devs); err != nil {
			fmt.Fprintf(stderr, "vfio-bind: %v\n", err)
			return 1
		}
		return 0
	}
	writeTable(stdout, devs)
	return 0
}
