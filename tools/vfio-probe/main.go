package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/gopkt/gopkt/vfio"
	"github.com/spf13/pflag"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("vfio-probe", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON document instead of key: value lines")
	timeout := fs.Duration("timeout", 2*time.Second, "how long to wait for EEPROM reads, TX write-back and each interrupt")
	dst := fs.String("dst", "02:00:00:00:00:01", "destination MAC of the test frame")
	irq := fs.String("irq", "auto", "interrupt kind: auto (MSI-X on 82574L, else INTx), intx, msi, msix, none")
	noTX := fs.Bool("no-tx", false, "skip the DMA transmit test")
	reset := fs.Bool("reset", false, "try VFIO_DEVICE_RESET first")
	dmaBytes := fs.Uint64("dma-bytes", 2<<20, "DMA memory to check RLIMIT_MEMLOCK (and hugepages) against up front")
	requireHuge := fs.Bool("require-hugepages", false, "fail instead of falling back to 4 KiB pages")
	sysfsRoot := fs.String("sysfs", "/sys", "sysfs root")
	devRoot := fs.String("dev", "/dev", "dev root")
	vfioFlag := fs.String("vfio", "auto", "VFIO interface: auto (iommufd when the kernel offers it, else the group API), iommufd or group")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: vfio-probe [flags] ADDR...  (e.g. 0000:00:02.0; bind it first with vfio-bind bind ADDR)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	mac, err := net.ParseMAC(*dst)
	if err != nil || len(mac) != 6 {
		fmt.Fprintf(stderr, "vfio-probe: --dst %q is not an Ethernet address\n", *dst)
		return 2
	}
	switch *irq {
	case "auto", "intx", "msi", "msix", "none":
	default:
		fmt.Fprintf(stderr, "vfio-probe: --irq %q: want auto, intx, msi, msix or none\n", *irq)
		return 2
	}
	backend, err := vfio.ParseBackend(*vfioFlag)
	if err != nil {
		fmt.Fprintf(stderr, "vfio-probe: --vfio: %v\n", err)
		return 2
	}
	cfg := probeConfig{timeout: *timeout, dst: mac, irq: *irq, noTX: *noTX, reset: *reset}
	c := vfio.NewContainer(vfio.Options{
		SysfsRoot:        *sysfsRoot,
		DevRoot:          *devRoot,
		DMABytes:         *dmaBytes,
		RequireHugepages: *requireHuge,
		Backend:          backend,
	})
	status := 0
	var reports []map[string]string
	for i, addr := range fs.Args() {
		rep := newReport()
		err := probeOne(c, addr, cfg, rep)
		if err != nil {
			rep.add("result", "fail")
			rep.add("error", err.Error())
			status = 1
		} else {
			rep.add("result", "ok")
		}
		if *asJSON {
			reports = append(reports, rep.vals)
			continue
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprint(stdout, rep.text())
	}
	if err := c.Close(); err != nil {
		fmt.Fprintf(stderr, "vfio-probe: closing the container: %v\n", err)
		status = 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"devices": reports}); err != nil {
			return 1
		}
	}
	return status
}

func probeOne(c *vfio.Container, addr string, cfg probeConfig, rep *report) error {
	d, err := c.Open(addr)
	if err != nil {
		rep.add("addr", addr)
		return err
	}
	err = probe(d, cfg, rep)
	if cerr := d.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return err
}
