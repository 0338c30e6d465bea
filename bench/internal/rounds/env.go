package rounds

import (
	"os"
	"strconv"
	"strings"
)

// Settings are a run's rounds, read from the environment by Env.
type Settings struct {
	Seconds int             // GOPKT_BENCH_SECONDS: each driver's turn (default 6)
	Rounds  int             // GOPKT_BENCH_ROUNDS: turns per driver (default 3)
	Only    map[string]bool // GOPKT_BENCH_ONLY=tx,fwd: the sections to run (nil: all)
}

// Env reads GOPKT_BENCH_SECONDS, GOPKT_BENCH_ROUNDS and GOPKT_BENCH_ONLY.
func Env() Settings {
	s := Settings{Seconds: 6, Rounds: 3}
	if v, err := strconv.Atoi(os.Getenv("GOPKT_BENCH_SECONDS")); err == nil && v > 0 {
		s.Seconds = v
	}
	if v, err := strconv.Atoi(os.Getenv("GOPKT_BENCH_ROUNDS")); err == nil && v > 0 {
		s.Rounds = v
	}
	if v := os.Getenv("GOPKT_BENCH_ONLY"); v != "" {
		s.Only = map[string]bool{}
		for _, k := range strings.Split(v, ",") {
			s.Only[strings.TrimSpace(k)] = true
		}
	}
	return s
}
