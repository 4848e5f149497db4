package main

import (
	"math/rand/v2"
	"slices"
	"syscall"
	"time"
)

// The child killer, part of the load for the process designs: SIGKILL of a
// child at random moments, every other one a child waiting for a
// connection: blocked in accept (in serv03 and serv04 the lock holder,
// whose death must free the lock), or for serv10 in epoll_wait, for serv12
// in io_uring_enter.
// After each, a pool must be full again within 3 s; and no child may die
// that torture did not kill, since a pool that quietly replaces a child
// that crashed on bad input hides the crash.

// killer sends SIGKILL to a child at a random moment in each of cfg.kills
// equal slices of the load, and for a pool checks that the parent starts a
// new child in its place.
func (r *run) killer(end time.Time) {
	rng := r.rng()
	start := time.Now()
	slice := r.cfg.dur / time.Duration(r.cfg.kills)
	for i := range r.cfg.kills {
		at := start.Add(slice*time.Duration(i) + time.Duration(rng.Int64N(int64(slice))))
		time.Sleep(time.Until(at))
		pid := r.victim(rng, i%2 == 1, end)
		if pid == 0 {
			r.logf("%s: no child to kill", r.d.Name)
			return
		}
		r.killChild(pid)
	}
}

// victim chooses the child to kill: if acceptor, the one blocked in accept,
// if there is one within two idle timeouts; else any, waiting for one
// until end (serv01 may have no client right now). It returns 0 for none.
func (r *run) victim(rng *rand.Rand, acceptor bool, end time.Time) int {
	pid := 0
	if acceptor {
		pid = r.waitChild(rng, true, time.Now().Add(2*r.cfg.idle))
	}
	if pid == 0 {
		pid = r.waitChild(rng, false, end)
	}
	return pid
}

// killChild sends SIGKILL to child pid, noting whether it was in accept, and
// for a pool waits for its replacement.
func (r *run) killChild(pid int) {
	accepting := r.d.idleIn(pid)
	if accepting {
		r.t.inAccept.Add(1)
	}
	r.logf("%s: SIGKILL child %d (in accept: %v)", r.d.Name, pid, accepting)
	r.kills.add(pid)
	syscall.Kill(pid, syscall.SIGKILL)
	if r.d.Pooled() {
		r.waitRefill(pid)
	}
}

// pickChild chooses a live child that the fork analog started as "child"
// (if acceptor, one blocked in accept(2)), or returns 0.
func (r *run) pickChild(rng *rand.Rand, acceptor bool) int {
	live, _ := children(r.srv.Pid())
	rng.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	for _, pid := range live {
		if r.isChild(pid) && (!acceptor || r.d.idleIn(pid)) {
			return pid
		}
	}
	return 0
}

// waitChild tries pickChild until it finds one or deadline passes.
func (r *run) waitChild(rng *rand.Rand, acceptor bool, deadline time.Time) int {
	for {
		if pid := r.pickChild(rng, acceptor); pid != 0 || !time.Now().Before(deadline) {
			return pid
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitRefill waits up to 3 s until victim is gone and the pool is full.
func (r *run) waitRefill(victim int) {
	deadline := time.Now().Add(3 * time.Second)
	for {
		live, _ := children(r.srv.Pid())
		if len(live) == r.cfg.pool && !slices.Contains(live, victim) {
			return
		}
		if time.Now().After(deadline) {
			r.t.fail("refill", "3 s after SIGKILL of child %d: children %v, want %d",
				victim, live, r.cfg.pool)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// watchChildren notices children that die without being killed, until
// stop is closed.
func (r *run) watchChildren(stop chan struct{}) {
	seen := map[int]bool{}
	for {
		live, _ := children(r.srv.Pid())
		for pid := range seen {
			if !slices.Contains(live, pid) && !r.kills.killed(pid) {
				r.t.fail("child died", "child %d exited, and torture did not kill it", pid)
			}
		}
		clear(seen)
		for _, pid := range live {
			seen[pid] = true
		}
		select {
		case <-stop:
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}
