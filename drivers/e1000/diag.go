package e1000

// RegValue is one register of a dump.
type RegValue struct {
	Name  string
	Off   uint32
	Value uint32
}

// DumpRegs reads the control, ring and filter registers (not the
// statistics, which clear on read). For diagnostics: it reads registers the
// data path owns, so values may be stale by the time they print.
func (d *Device) DumpRegs() []RegValue {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]RegValue, len(dumpRegs))
	for i, r := range dumpRegs {
		out[i] = RegValue{r.Name, r.Off, d.regs.Read32(r.Off)}
	}
	return out
}
