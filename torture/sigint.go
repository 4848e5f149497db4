package main

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The SIGINT phase: the server interrupted while well-behaved clients keep
// coming, as a user's Ctrl-C finds it. It must stop accepting, end and
// reap every child, print the book's report (one line per child or thread
// of a pool, the CPU line last) and exit 0, within 2 s, leaving no process
// of its group behind.

var (
	cpuLine  = regexp.MustCompile(`^user time = [0-9.e+-]+, sys time = [0-9.e+-]+$`)
	slotLine = regexp.MustCompile(`(?m)^(child|thread) \d+, \d+ connections$`)
)

// interrupt sends SIGINT under load, checks the exit, and returns how long
// it took.
func (r *run) interrupt() time.Duration {
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range r.cfg.good {
		rng := r.rng()
		wg.Go(func() {
			for !stop.Load() {
				r.quietGood(rng)
			}
		})
	}
	defer wg.Wait()
	defer stop.Store(true)
	time.Sleep(100 * time.Millisecond)
	t0 := time.Now()
	syscall.Kill(r.srv.Pid(), syscall.SIGINT)
	select {
	case <-r.srv.Exited():
	case <-time.After(5 * time.Second):
		r.t.fail("SIGINT", "still running 5 s after SIGINT under load")
		return 5 * time.Second
	}
	took := r.srv.ExitedAt().Sub(t0)
	r.checkExit(took)
	return took
}

// checkExit judges how the server exited, took after SIGINT.
func (r *run) checkExit(took time.Duration) {
	if took > 2*time.Second {
		r.t.fail("SIGINT", "took %v to exit, want at most 2 s", took.Round(time.Millisecond))
	}
	if !r.srv.Cmd.ProcessState.Success() {
		r.t.fail("SIGINT", "%s, want exit status 0", r.srv.Cmd.ProcessState)
	}
	if problem := checkReport(r.srv.stdout(), r.d.Unit, r.cfg.pool); problem != "" {
		r.t.fail("SIGINT", "%s", problem)
	}
	if err := r.srv.WaitGone(time.Second); err != nil {
		r.t.fail("SIGINT", "after the server exited: %v", err)
	}
}

// quietGood is a good connection whose failure does not count: the server
// is being interrupted.
func (r *run) quietGood(rng *rand.Rand) {
	c, err := dial(r.srv.addr)
	if err != nil {
		time.Sleep(10 * time.Millisecond)
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	fmt.Fprintf(c, "%d\n", requestSize(rng))
	drain(c, -1)
}

// checkReport checks what a server printed when interrupted: n lines
// "UNIT I, N connections" for a pool, and last the book's CPU line.
func checkReport(stdout, unit string, n int) string {
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	if last := lines[len(lines)-1]; !cpuLine.MatchString(last) {
		return fmt.Sprintf("last line of the report is %.60q, want \"user time = U, sys time = S\"", last)
	}
	if unit == "" {
		return ""
	}
	got := 0
	for _, m := range slotLine.FindAllStringSubmatch(stdout, -1) {
		if m[1] == unit {
			got++
		}
	}
	if got != n {
		return fmt.Sprintf("report has %d lines \"%s I, N connections\", want %d", got, unit, n)
	}
	return ""
}
