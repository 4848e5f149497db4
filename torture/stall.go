package main

import (
	"sync"
	"time"
)

// The stall phase: every slot of the server held by clients that send
// nothing, then by clients that send a byte every half idle timeout (each
// byte in time, the line never done). The book's servers wait for such a
// client forever, and every client behind it with them. Here a good
// client behind the stallers must be served as soon as the idle timeout
// frees a slot, and each staller must be cut off, not before the idle
// timeout nor long after it. This is where the idle timeout is judged, in
// quiet: under load torture itself can be late (see tooSlow).

// stalls runs both kinds of staller, and returns the longer wait of the
// good client behind them.
func (r *run) stalls() time.Duration {
	n := max(r.cfg.pool, 2)
	if !r.d.Pooled() {
		n = 2
	}
	return max(r.stall("idle", n, r.cfg.idle), r.stall("one-byte-at-a-time", n, 2*r.cfg.idle))
}

// stall runs n stallers of a kind, each of which holds a slot for at most
// perSlot, then one good client, and returns how long that one waited.
func (r *run) stall(kind string, n int, perSlot time.Duration) time.Duration {
	bound := r.stallBound(n, perSlot)
	deadline := time.Now().Add(bound + time.Second)
	connected := make(chan bool, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { r.staller(kind, bound, deadline, connected) })
	}
	for range n {
		<-connected
	}
	t0 := time.Now()
	ok, problem, _ := exchange(r, t0.Add(bound), 100, 0, "100\n")
	wait := time.Since(t0)
	r.t.conns.Add(1)
	if !ok && problem != "" {
		r.t.fail("stall", "good client behind %d %s clients: %s after %v (bound %v)",
			n, kind, problem, wait.Round(time.Millisecond), bound)
	}
	wg.Wait()
	return wait
}

// stallBound is how long a good client may wait behind n stallers: with
// s slots, ceil(n/s) × perSlot, plus a margin for the machine.
func (r *run) stallBound(n int, perSlot time.Duration) time.Duration {
	rounds := 1
	if s := r.d.slots(r.cfg.pool); s > 0 {
		rounds = (n + s - 1) / s
	}
	return time.Duration(rounds)*perSlot + time.Second + r.cfg.idle/2
}

// staller is one client of the stall phase: it connects, says so on
// connected, and stalls until the server closes it or deadline passes.
// The close must come within bound, and not before the idle timeout.
func (r *run) staller(kind string, bound time.Duration, deadline time.Time, connected chan<- bool) {
	dialed := time.Now() // no timer of the server's can start before this
	c, err := dial(r.srv.addr)
	r.t.conns.Add(1)
	connected <- true
	if err != nil {
		r.t.fail("stall", "%s client: %v", kind, err)
		return
	}
	defer c.Close()
	t0 := time.Now()
	var end ending
	if kind == "idle" {
		c.SetDeadline(deadline)
		_, end = drain(c, -1)
	} else {
		end = dribble(c, r.cfg.idle/2, deadline)
	}
	r.judgeStall(kind, end, time.Since(t0), time.Since(dialed), bound)
}

// judgeStall fails a staller that the server did not close within bound
// of when the connection was made (took), or closed before the idle
// timeout since the dial began (sinceDial). Each is judged from the
// instant that cannot wrong the server: on a busy machine this goroutine
// may run long after the server's accept and read have started its timer
// (seen: 404 ms of a 500 ms timeout, with the load average at 11), but
// never before the dial began.
func (r *run) judgeStall(kind string, end ending, took, sinceDial, bound time.Duration) {
	switch {
	case !end.closed() || took > bound:
		r.t.fail("stall", "%s client: %s after %v; want the server's close within %v",
			kind, end, took.Round(time.Millisecond), bound)
	case sinceDial < r.cfg.idle-r.cfg.idle/10:
		// Not a hair's breadth: the kernel keeps the timeout in jiffies.
		// (Seen: 499 ms of a 500 ms timeout on a busy machine.)
		r.t.fail("stall", "%s client: the server closed %v after the dial began, before the "+
			"idle timeout (%v)", kind, sinceDial.Round(time.Millisecond), r.cfg.idle)
	}
}
