package main

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// The core of a torture run: one design's server started, put through
// the phases in order (each in a file of its own: warmup.go, stall.go,
// quiet.go, load.go with killer.go, client.go, stopped.go, emfile.go,
// sigint.go, orphans.go, nproc.go),
// and what it went through kept in a result. A phase that finds the
// server gone ends the run: what comes after would only fail again.

// config is the command line.
type config struct {
	bins     map[string]string // program name → executable; skip reasons in skips
	skips    map[string]string
	pool     int           // #children or #threads of the pooled designs
	idle     time.Duration // the servers' UNP_IDLE_TIMEOUT
	dur      time.Duration // how long the load runs
	kills    int           // children killed per process design
	good     int           // well-behaved clients at once
	hostile  int           // hostile clients at once
	overload int           // an overload burst is this many × the pool
	crowd    int           // ... and this many for serv06-thread
	loops    int           // loops per child of the client run after the load
	stop     time.Duration // how long a child stays stopped
	window   time.Duration // how long the descriptor and process faults are measured
	nproc    int           // RLIMIT_NPROC of the process fault
	flood    int           // silent clients of the process fault
	seed     uint64
	dir      string
	keep     bool
	verbose  bool
	json     string // -json FILE
}

// A result is what one design went through.
type result struct {
	d                      design
	skip                   string
	conns, served, hostile int64
	lost, errors           int64
	slow, inAccept         int64
	kills                  int
	before, after          usage
	stall, sigint          time.Duration
	stopServed, stopTried  int64 // requests served while a child was stopped, and tried
	stopRan                bool
	fd                     fdFault
	nproc                  nprocFault
	failures, notes        []string
}

func (res *result) verdict() string {
	switch {
	case res.skip != "":
		return "SKIP"
	case len(res.failures) > 0:
		return "FAIL"
	}
	return "PASS"
}

// A run is one design under torture.
type run struct {
	cfg   *config
	d     design
	srv   *server
	t     tally
	kills killLog
	seq   atomic.Uint64 // for per-goroutine random sources
}

// torture puts one design through every phase and says how it did. A
// design that could not be built or found is skipped.
func torture(cfg *config, d design) *result {
	res := &result{d: d}
	if reason := cfg.skips[d.Program()]; reason != "" {
		res.skip = reason
		return res
	}
	srv, err := startServer(cfg.bins[d.Program()], d.Name, d.args(cfg.pool), cfg.idle,
		filepath.Join(cfg.dir, d.Name))
	if err != nil {
		res.failures = []string{"start: " + err.Error()}
		return res
	}
	r := &run{cfg: cfg, d: d, srv: srv}
	defer r.finish(res)
	if r.phases(res) {
		if d.Forks {
			r.orphans()
		}
		if d.Forks || d.threadEach() {
			r.outOfProcs(res)
		}
	}
	return res
}

// phases runs the phases on the server in order. It returns false if the
// server exited before the last, SIGINT, which ends it.
func (r *run) phases(res *result) bool {
	phases := []struct {
		name string
		f    func()
	}{
		{"warm-up", r.warmUp},
		{"stall", func() { res.stall = r.stalls() }},
		{"quiet before", func() { res.before = r.quietBefore() }},
		{"load", r.load},
		{"client", r.stillServes},
		{"quiet after", func() { res.after = r.quietAfter(res.before) }},
		{"stopped child", func() {
			if r.d.Forks {
				r.stopped(res)
			}
		}},
		{"out of descriptors", func() { res.fd = r.outOfFDs() }},
		{"SIGINT", func() { res.sigint = r.interrupt() }},
	}
	start := time.Now()
	for _, p := range phases {
		r.logf("%s: %s at %.2fs", r.d.Name, p.name, time.Since(start).Seconds())
		p.f()
		if !r.srv.Running() && p.name != "SIGINT" {
			r.t.fail("exited", "during %s: %s", p.name, r.srv.Cmd.ProcessState)
			return false
		}
	}
	return true
}

// finish kills what is left of the server, looks for crashes, and copies
// the tally into res.
func (r *run) finish(res *result) {
	if err := r.srv.kill(); err != nil {
		r.t.fail("clean-up", "%v", err)
	}
	r.crashes()
	res.conns, res.served, res.hostile = r.t.conns.Load(), r.t.served.Load(), r.t.hostile.Load()
	res.lost, res.errors, res.kills = r.t.lost.Load(), r.t.errors.Load(), r.kills.count()
	res.slow, res.inAccept = r.t.slow.Load(), r.t.inAccept.Load()
	res.failures, res.notes = r.t.failures(), r.t.remarks()
}

// crashes looks for a Go panic or fatal error in the server's stderr,
// which its children share.
func (r *run) crashes() {
	for _, name := range []string{r.d.Name, r.d.Name + "-orphans"} {
		r.crashed(readFile(filepath.Join(r.cfg.dir, name, "stderr")))
	}
}

// crashed fails the first panic or fatal error in a server's stderr.
func (r *run) crashed(text string) {
	for _, word := range []string{"panic: ", "fatal error: "} {
		if i := strings.Index(text, word); i >= 0 {
			line, _, _ := strings.Cut(text[i:], "\n")
			r.t.fail("crash", "%s", line)
		}
	}
}

func (r *run) logf(format string, a ...any) {
	if r.cfg.verbose {
		fmt.Printf("# "+format+"\n", a...)
	}
}

func (r *run) rng() *rand.Rand {
	return rand.New(rand.NewPCG(r.cfg.seed, r.seq.Add(1)))
}

// patience bounds one connection of the load: long enough to wait behind
// every hostile client holding an iterative server for an idle timeout.
func (r *run) patience() time.Duration {
	return 10*time.Second + time.Duration(2*(r.cfg.hostile+2))*r.cfg.idle
}
