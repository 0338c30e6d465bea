package flood

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
)

// jobEnv carries the helper process's Job as JSON.
const jobEnv = "GOPKT_FLOOD_JOB"

// resultPrefix starts the helper's result line on its stdout.
const resultPrefix = "flood-result: "

// Job is what one helper process does: the flood or the pinger.
type Job struct {
	Flood *Plan   `json:",omitempty"`
	Ping  *Pinger `json:",omitempty"`
}

// Result is a helper's report: what the flood sent or what the pinger saw.
type Result struct {
	Flood Sent
	Ping  PingResult
}

// Helper is the body of the test package's helper test. Run by go test it
// skips; run by Start (the job in the environment) it does the job in
// this process and prints the Result.
func Helper(t *testing.T) {
	js := os.Getenv(jobEnv)
	if js == "" {
		t.Skip("helper process for the hostile-network tests (flood.Start runs it)")
	}
	var j Job
	if err := json.Unmarshal([]byte(js), &j); err != nil {
		t.Fatal(err)
	}
	var r Result
	var err error
	switch {
	case j.Flood != nil:
		r.Flood, err = j.Flood.Send()
	case j.Ping != nil:
		r.Ping, err = j.Ping.Run()
	default:
		t.Fatalf("empty job %s", js)
	}
	out, _ := json.Marshal(r)
	fmt.Printf("%s%s\n", resultPrefix, out)
	if err != nil {
		t.Fatal(err)
	}
}

// Process is a helper running a Job inside a namespace.
type Process struct {
	j    Job
	job  string // as JSON, for messages
	out  hosttest.Output
	done chan error
}

// Start runs the job in ns: this test binary re-executed there with
// -test.run=^helper$ (the test whose body is Helper). The process is
// killed at cleanup if the test does not Wait for it.
func Start(t testing.TB, ns *hosttest.Namespace, helper string, j Job) *Process {
	t.Helper()
	js, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	p := &Process{j: j, job: string(js), done: make(chan error, 1)}
	cmd := ns.Command(os.Args[0], "-test.run=^"+helper+"$", "-test.v")
	cmd.Env = append(os.Environ(), jobEnv+"="+string(js))
	cmd.Stdout, cmd.Stderr = &p.out, &p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
	})
	return p
}

// Wait waits for the helper (at most the job's duration plus a minute)
// and returns its Result; a helper that failed or printed no result fails
// the test with its output.
func (p *Process) Wait(t testing.TB) Result {
	t.Helper()
	var err error
	select {
	case err = <-p.done:
	case <-time.After(p.limit()):
		t.Fatalf("helper %s did not finish:\n%s", p.job, p.out.String())
	}
	out := p.out.String()
	var r Result
	_, line, ok := strings.Cut(out, "\n"+resultPrefix)
	if !ok {
		_, line, ok = strings.Cut(out, resultPrefix)
	}
	line, _, _ = strings.Cut(line, "\n")
	if !ok || json.Unmarshal([]byte(line), &r) != nil || err != nil {
		t.Fatalf("helper %s: %v\n%s", p.job, err, out)
	}
	return r
}

// limit is how long Wait waits: the job's own time plus a minute.
func (p *Process) limit() time.Duration {
	d := time.Minute
	if p.j.Flood != nil {
		d += p.j.Flood.Duration
	}
	if p.j.Ping != nil {
		d += p.j.Ping.Window + p.j.Ping.Timeout
	}
	return d
}
