package tcp

import dl "github.com/gopkt/gopkt/stack/internal/deadline"

// deadline is one direction's socket deadline, shared with the other
// transports (stack/internal/deadline).
type deadline = dl.Deadline

func newDeadline() *deadline { return dl.New() }
