package wlantest

import (
	"time"

	"github.com/gopkt/gopkt/clock/clocktest"
)

// NewClock returns a manual clock starting at a fixed instant.
func NewClock() *clocktest.Clock { return clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) }
