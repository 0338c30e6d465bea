package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/spf13/pflag"
)

func infoFlags(fs *pflag.FlagSet) func(c *ctx) error {
	wait := fs.Duration("link-wait", 2*time.Second, "how long to wait for the link")
	return func(c *ctx) error {
		for _, d := range c.s.devs {
			f := d.Function()
			link, _ := d.WaitLink(*wait)
			sum := "ok"
			if err := d.CheckEEPROM(); err != nil {
				sum = err.Error()
			}
			fmt.Fprintf(c.out, "%s %s (%s, gen %s)\n", f.Addr(), d.Model().Name, f.ID(), d.Model().Gen)
			fmt.Fprintf(c.out, "  mac      %s\n", macString(d.MAC()))
			fmt.Fprintf(c.out, "  link     %s\n", link)
			fmt.Fprintf(c.out, "  eeprom   checksum %s\n", sum)
			fmt.Fprintf(c.out, "  mtu      %d\n", d.MTU())
			fmt.Fprintf(c.out, "  offloads %s\n", d.Offloads())
			fmt.Fprintf(c.out, "  subsys   %s\n", f.SubsystemID())
		}
		return nil
	}
}

func regsFlags(fs *pflag.FlagSet) func(c *ctx) error {
	return func(c *ctx) error {
		for _, r := range c.s.devs[0].DumpRegs() {
			fmt.Fprintf(c.out, "%-9s 0x%04x  0x%08x\n", r.Name, r.Off, r.Value)
		}
		return nil
	}
}

func eepromFlags(fs *pflag.FlagSet) func(c *ctx) error {
	return func(c *ctx) error {
		d := c.s.devs[0]
		words, err := d.EEPROM()
		if err != nil {
			return err
		}
		for i := 0; i < len(words); i += 8 {
			fmt.Fprintf(c.out, "%02x:", i)
			for _, w := range words[i : i+8] {
				fmt.Fprintf(c.out, " %04x", w)
			}
			fmt.Fprintln(c.out)
		}
		sum := e1000.EEPROMSum(words)
		verdict := "ok"
		if sum != 0xBABA {
			verdict = "BAD"
		}
		fmt.Fprintf(c.out, "checksum %#04x (want 0xbaba): %s\n", sum, verdict)
		return nil
	}
}

func selftestFlags(fs *pflag.FlagSet) func(c *ctx) error {
	return func(c *ctx) error {
		var failed []string
		for _, d := range c.s.devs {
			for _, r := range d.SelfTest() {
				v := "PASS"
				if r.Err != nil {
					v = "FAIL: " + r.Err.Error()
					failed = append(failed, d.Function().Addr()+" "+r.Name)
				}
				fmt.Fprintf(c.out, "%s %-9s %s\n", d.Function().Addr(), r.Name, v)
			}
		}
		if len(failed) > 0 {
			fmt.Fprintln(c.out, "selftest: FAIL")
			return fmt.Errorf("%w: %v", e1000.ErrSelfTest, failed)
		}
		fmt.Fprintln(c.out, "selftest: PASS")
		return nil
	}
}

var errCorrupt = errors.New("corrupt frames received")
