package rounds

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Sections splits the console at "BENCH-SECTION name" lines; a name that
// appears in several rounds has one entry per round.
func Sections(lines []string) map[string][][]string {
	out := map[string][][]string{}
	cur := ""
	for _, l := range lines {
		if i := strings.Index(l, "BENCH-SECTION "); i >= 0 {
			cur = strings.TrimSpace(l[i+len("BENCH-SECTION "):])
			out[cur] = append(out[cur], nil)
			continue
		}
		if cur != "" {
			r := out[cur]
			r[len(r)-1] = append(r[len(r)-1], l)
		}
	}
	return out
}

// Flatten joins the rounds' lines.
func Flatten(rounds [][]string) []string {
	var out []string
	for _, r := range rounds {
		out = append(out, r...)
	}
	return out
}

// Samples pools the per-second rates of every round, dropping each round's
// first two (start-up and ramp) when it has more than three. combine, when
// set, merges per-port lines first (SumPorts).
func Samples(rounds [][]string, re string, combine func([]float64) []float64) []float64 {
	var out []float64
	for _, r := range rounds {
		v := Rates(r, re)
		if combine != nil {
			v = combine(v)
		}
		if len(v) > 3 {
			v = v[2:]
		}
		out = append(out, v...)
	}
	return out
}

// Rates extracts the first number matched by re on each line.
func Rates(lines []string, re string) []float64 {
	r := regexp.MustCompile(re)
	var out []float64
	for _, l := range lines {
		if m := r.FindStringSubmatch(l); m != nil {
			v, err := strconv.ParseFloat(m[1], 64)
			if err == nil {
				out = append(out, v)
			}
		}
	}
	return out
}

// SumPorts adds testpmd's per-port lines pairwise (port 0, port 1, port 0,
// …).
func SumPorts(v []float64) []float64 {
	var out []float64
	for i := 0; i+1 < len(v); i += 2 {
		out = append(out, v[i]+v[i+1])
	}
	return out
}

// Median of the samples (0 when there are none).
func Median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
