package pf

import "github.com/gopkt/gopkt/stack/pfil"

// Hook is the filter's pfil hook, for tests that drive it with buffers.
func (f *Filter) Hook() pfil.Hook { return f.hook }
