//go:build race

package pf_test

// raceDetector reports whether the test binary runs under -race (whose
// instrumentation allocates, so allocation counts are not checked then).
const raceDetector = true
