package pci

import (
	"fmt"
	"io"
)

// Driver is a device driver module: a name, the IDs it serves (matching is
// data) and an attach function. Registration is explicit: a program builds a
// Registry from the drivers it wants.
type Driver struct {
	Name string
	IDs  []ID
	// Attach takes ownership of f on success: closing the returned device
	// closes f. On error f is left to the caller.
	Attach func(f Function) (io.Closer, error)
}

// Registry is an ordered table of drivers.
type Registry []Driver

// Match returns the driver serving id.
func (r Registry) Match(id ID) (Driver, bool) {
	for _, d := range r {
		for _, did := range d.IDs {
			if did == id {
				return d, true
			}
		}
	}
	return Driver{}, false
}

// Attach finds the driver for f and attaches it.
func (r Registry) Attach(f Function) (io.Closer, error) {
	d, ok := r.Match(f.ID())
	if !ok {
		return nil, fmt.Errorf("pci: no registered driver serves %s (%s)", f.Addr(), f.ID())
	}
	return d.Attach(f)
}
