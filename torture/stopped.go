package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"unp-go.dev/lab"
)

// The stopped-child phase, for the process designs: one child stopped
// with SIGSTOP for -stop while good clients keep coming, then continued
// with SIGCONT. A stopped child is not dead: the parent is told nothing
// unless it asks (WUNTRACED), and the child keeps what it held. In serv03
// and serv04 that is the accept lock, so torture stops the lock holder and
// nobody is served; serv09's child keeps its listener, so its share of the
// clients waits; serv02's and serv10's siblings take the shared queue;
// serv12's kernel goes on waking the stopped child's accept if it was the
// first to wait, and the connections wait for it; and serv05's parent passes nothing to a child it knows is stopped. What was
// served meanwhile is a figure, not a verdict. The verdict: after SIGCONT
// every request is served, and a pool's parent has logged the stop and the
// continue.

// stopped stops a child, counts the requests served while it is stopped,
// continues it, and checks the rest.
func (r *run) stopped(res *result) {
	if r.d.PerClient { // serv01: a child exists only while it serves
		if c := holdChild(r.srv); c != nil {
			defer c.Close()
		}
	}
	pid := r.waitChild(r.rng(), r.d.childrenAccept(), time.Now().Add(2*r.cfg.idle))
	if pid == 0 {
		pid = r.waitChild(r.rng(), false, time.Now().Add(time.Second))
	}
	if pid == 0 {
		r.t.fail("stopped child", "no child to stop")
		return
	}
	mark := r.srv.stderrSize()
	r.logf("%s: SIGSTOP child %d (waiting for a connection: %v)", r.d.Name, pid, r.d.idleIn(pid))
	syscall.Kill(pid, syscall.SIGSTOP)
	waitState(pid, 'T', time.Second)
	cont := time.Now().Add(r.cfg.stop)
	var served, tried atomic.Int64
	var wg sync.WaitGroup
	for range r.cfg.good {
		rng := r.rng()
		wg.Go(func() {
			for time.Now().Before(cont) {
				tried.Add(1)
				if r.stopGood(rng, cont) && time.Now().Before(cont) {
					served.Add(1)
				}
			}
		})
	}
	time.Sleep(time.Until(cont))
	syscall.Kill(pid, syscall.SIGCONT)
	wg.Wait()
	res.stopServed, res.stopTried, res.stopRan = served.Load(), tried.Load(), true
	r.checkStopLogged(mark)
}

// stopGood is one good connection of the stopped phase, with patience to
// wait past cont, the SIGCONT. It reports whether it was served.
func (r *run) stopGood(rng *rand.Rand, cont time.Time) bool {
	tr := r.begin()
	c, err := dial(r.srv.addr)
	r.t.conns.Add(1)
	if err != nil {
		r.failed(tr, endingOf(err), "stopped child", "connect: %v", err)
		return false
	}
	defer c.Close()
	tr.c = c
	c.SetDeadline(cont.Add(r.patience()))
	n := requestSize(rng)
	_, err = fmt.Fprintf(c, "%d\n", n)
	got, end := 0, endingOf(err)
	if err == nil {
		got, end = drain(c, n)
	}
	if end != endDone {
		r.failed(tr, end, "stopped child", "asked for %d bytes, read %d, then %s", n, got, end)
		return false
	}
	r.t.served.Add(1)
	return true
}

// checkStopLogged fails a pool whose parent did not say, after mark, that
// a child stopped and continued (serv01's parent does not care: the child
// stops only its own client).
func (r *run) checkStopLogged(mark int64) {
	if !r.d.Pooled() {
		return
	}
	deadline := time.Now().Add(time.Second)
	for {
		text := r.srv.stderr()[mark:]
		if strings.Contains(text, "stopped by SIGSTOP") && strings.Contains(text, "continued") {
			return
		}
		if time.Now().After(deadline) {
			r.t.fail("stopped child", "the parent did not log the stop and the continue: %.200q",
				text)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitState waits up to limit for process pid to be in state (T: stopped).
func waitState(pid int, state byte, limit time.Duration) {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); {
		if p, err := lab.Stat(pid); err != nil || p.State == state {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}
