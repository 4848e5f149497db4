package main

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// A tally counts what happened to one server and keeps the failures.
type tally struct {
	conns   atomic.Int64 // connections made
	served  atomic.Int64 // well-formed requests answered with exactly the bytes asked for
	hostile atomic.Int64 // hostile connections made
	lost    atomic.Int64 // well-formed requests cut off with a child that torture killed
	errors  atomic.Int64 // well-formed requests that failed otherwise
	slow    atomic.Int64 // requests torture itself sent too late (see tooSlow)

	inAccept atomic.Int64 // children killed while waiting for a connection (see design.idleIn)

	mu     sync.Mutex
	counts map[string]int // failures by check
	notes  []string       // the first few failures of each check
	others []string       // notes that are not failures
}

// note records something worth saying that is not a failure.
func (t *tally) note(format string, a ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.others = append(t.others, fmt.Sprintf(format, a...))
}

// remarks are the notes.
func (t *tally) remarks() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.others...)
}

// keepPerCheck is how many failures of one check are kept word for word.
const keepPerCheck = 3

// fail records a failed check. The same check failing again and again is
// counted, and only its first few messages are kept.
func (t *tally) fail(check, format string, a ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.counts == nil {
		t.counts = map[string]int{}
	}
	if t.counts[check]++; t.counts[check] <= keepPerCheck {
		t.notes = append(t.notes, check+": "+fmt.Sprintf(format, a...))
	}
}

// failures lists the failed checks, with a count of those not shown.
func (t *tally) failures() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]string(nil), t.notes...)
	var checks []string
	for check, n := range t.counts {
		if n > keepPerCheck {
			checks = append(checks, check)
		}
	}
	sort.Strings(checks)
	for _, check := range checks {
		out = append(out, fmt.Sprintf("%s: %d more like this", check, t.counts[check]-keepPerCheck))
	}
	return out
}

// A killLog remembers which children torture killed, and when.
type killLog struct {
	mu   sync.Mutex
	at   []time.Time
	pids map[int]bool
}

func (k *killLog) add(pid int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.pids == nil {
		k.pids = map[int]bool{}
	}
	k.pids[pid] = true
	k.at = append(k.at, time.Now())
}

func (k *killLog) killed(pid int) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.pids[pid]
}

// killGrace is how long after sending SIGKILL a child may still accept.
const killGrace = 100 * time.Millisecond

func (k *killLog) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.at)
}

// excused reports whether a well-formed request that failed at t1, on a
// connection opened at t0, may be blamed on a kill: the server closed or
// reset the connection, and torture killed a child while it was open. That
// is what a connection in flight on a killed child looks like; a timeout, a
// refused connection or a wrong byte count is never excused.
//
// "While it was open" reaches killGrace back before t0: a SIGKILL takes
// effect when its target next leaves the kernel, so a child can still take
// a connection from accept that its client opened just after the kill was
// sent, and die with it (seen in serv03-flock under a busy CI run).
func (k *killLog) excused(end ending, t0, t1 time.Time) bool {
	if !end.closed() {
		return false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, at := range k.at {
		if !at.Before(t0.Add(-killGrace)) && !at.After(t1) {
			return true
		}
	}
	return false
}
