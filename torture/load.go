package main

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// The load phase, for -dur: well-behaved clients, every hostile client at
// least once, overload bursts and, for the process designs, the child
// killer (killer.go), all at once. A server that survives each of them
// alone can still lose a reply, a descriptor or a child when they come
// together, as they do on a real network.

// load runs, for cfg.dur, the well-behaved clients, the hostile ones,
// overload bursts and (process designs) the child killer all at once.
func (r *run) load() {
	end := time.Now().Add(r.cfg.dur)
	var wg sync.WaitGroup
	for range r.cfg.good {
		rng := r.rng()
		wg.Go(func() {
			for time.Now().Before(end) && r.srv.Running() {
				r.good(rng, r.patience())
			}
		})
	}
	var next atomic.Int64 // the hostile kinds, taken in turn
	for range r.cfg.hostile {
		rng := r.rng()
		wg.Go(func() { r.hostileTurns(rng, end, &next) })
	}
	wg.Go(func() { r.bursts(end) })
	if r.d.Forks && r.cfg.kills > 0 {
		wg.Go(func() { r.killer(end) })
	}
	stop := make(chan struct{})
	var watch sync.WaitGroup
	if r.d.Forks && r.d.Pooled() {
		watch.Go(func() { r.watchChildren(stop) })
	}
	wg.Wait()
	close(stop)
	watch.Wait()
}

// hostileTurns runs hostile clients, taking the kinds in turn with the other
// goroutines that share next, until the time is up and every kind has had
// its go.
func (r *run) hostileTurns(rng *rand.Rand, end time.Time, next *atomic.Int64) {
	for {
		k := int(next.Add(1) - 1)
		if k >= len(hostiles) && !time.Now().Before(end) || !r.srv.Running() {
			return
		}
		r.hostileOnce(hostiles[k%len(hostiles)], rng)
	}
}

// bursts runs one overload burst after another, at least one, until end.
func (r *run) bursts(end time.Time) {
	for first := true; first || time.Now().Before(end) && r.srv.Running(); first = false {
		r.burst(r.crowd())
	}
}

func (r *run) hostileOnce(h hostile, rng *rand.Rand) {
	t0 := time.Now()
	served, problem, end := h.run(r, rng, t0.Add(r.patience()))
	r.t.hostile.Add(1)
	r.t.conns.Add(1)
	r.t.served.Add(int64(served))
	switch {
	case problem == "":
	case !h.wellFormed && r.kills.excused(end, t0, time.Now()):
		// The server reset it with a child torture killed: serv09's
		// connections queued on the dead child's listener.
	case h.wellFormed:
		r.failed(try{t0: t0}, end, "hostile "+h.name, "%s", problem)
	default:
		r.t.fail("hostile "+h.name, "%s", problem)
	}
}
