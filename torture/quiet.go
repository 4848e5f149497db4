package main

import "time"

// The quiet phases, before and after the load: what the server and its
// children hold (descriptors, threads, children, zombies), read from /proc
// once it has settled. After the load it must hold no more than before:
// a descriptor or a thread lost per connection, a zombie never reaped, a
// child not replaced, shows here, where the server's own report would not.

// threadSlack is how many threads a Go process may add under load.
const threadSlack = 4

// quietBefore waits for the server to be quiet after warm-up and stalls,
// and returns what it holds.
func (r *run) quietBefore() usage {
	u, ok := r.settle(2*time.Second+2*r.cfg.idle, nil)
	if !ok {
		r.t.fail("quiet", "never quiet before the load: %+v", u)
	}
	return u
}

// quietAfter waits (the hostile connections' idle timeouts included) until
// the server holds no more than before the load, and says what grew.
func (r *run) quietAfter(before usage) usage {
	threads := r.threadBound(before)
	ok := func(u usage) bool { return u.fds <= before.fds && u.threads <= threads }
	u, quiet := r.settle(2*time.Second+2*r.cfg.idle, ok)
	if !quiet {
		r.grew(before, u, threads)
	}
	return u
}

// threadBound is how many threads the server may have after the load.
//
// Threads get some slack: the Go runtime starts a thread whenever all its
// threads are blocked and a goroutine is ready to run, and keeps it for the
// life of the process. A few more after a load is the runtime; a leak grows
// with the connections, thousands of them.
func (r *run) threadBound(before usage) int {
	threads := before.threads + threadSlack*(1+before.children)
	if r.d.crowd() {
		// A thread per connection blocked at once: the runtime keeps as
		// many as the load's peak, which the warm-up may not have reached.
		threads += r.cfg.crowd + r.cfg.good + r.cfg.hostile
	}
	return threads
}

// grew fails each count of u, after the load, that did not come back.
func (r *run) grew(before, u usage, threads int) {
	if u.fds > before.fds {
		r.t.fail("descriptors", "%d open before the load, %d after", before.fds, u.fds)
	}
	if u.threads > threads {
		r.t.fail("threads", "%d before the load, %d after, want at most %d",
			before.threads, u.threads, threads)
	}
	if want := r.d.children(r.cfg.pool); u.children != want {
		r.t.fail("children", "%d after the load, want %d", u.children, want)
	}
	if u.zombies > r.d.children(r.cfg.pool) {
		r.t.fail("zombies", "%d after the load", u.zombies)
	}
}

// settle waits until the server is quiet: its pool at full strength (and
// no other child), no zombie, ok (if not nil) true, and two samples 100 ms
// apart the same. It returns the last sample.
func (r *run) settle(limit time.Duration, ok func(usage) bool) (usage, bool) {
	deadline := time.Now().Add(limit)
	var prev usage
	for {
		u := measure(r.srv.Pid())
		quiet := u.children == r.d.children(r.cfg.pool) && u.zombies == 0 && (ok == nil || ok(u))
		if quiet && u == prev {
			return u, true
		}
		if time.Now().After(deadline) {
			return u, false
		}
		prev = u
		time.Sleep(100 * time.Millisecond)
	}
}
