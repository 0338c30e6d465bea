package stack_test

import (
	"errors"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// TestBudgetOption: without Options.Budget the stack makes the default
// budget of its pool; a budget of another pool is refused.
func TestBudgetOption(t *testing.T) {
	s, pool := newStack(t)
	if b := s.Budget(); b == nil || b.Pool() != pool || b.Reserve() != 16 || b.Limit() != 48 {
		t.Errorf("default budget of a 64-buffer pool: %+v", b.Stats())
	}
	other := stacktest.NewPool(t, 64)
	bg, err := mbuf.NewBudget(other, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = stack.New(stack.Options{Pool: pool, Budget: bg})
	var oe *stack.OpError
	if !errors.Is(err, stack.ErrBadBudget) || !errors.As(err, &oe) || oe.Fix == "" {
		t.Errorf("budget of another pool: %v", err)
	}
}
