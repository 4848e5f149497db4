package main

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"
)

// The well-behaved clients that every phase but the stalls uses: one good
// connection (good) and an overload burst (burst); and how a failed
// request is judged, since on a server under torture not every failure is
// the server's fault: a child torture killed takes its connections with it
// (failed), and torture itself may send too late (tooSlow).

// A try is one connection of torture's: when it began, and how much the
// server had written on stderr by then, so that a failure quotes only what
// the server said since (client ports are reused many times in a run).
type try struct {
	c    net.Conn // nil until connected
	t0   time.Time
	mark int64
}

func (r *run) begin() try { return try{t0: time.Now(), mark: r.srv.stderrSize()} }

// failed handles a well-formed request that was not answered: a loss to a
// kill, or an error, quoting what the server said about the connection.
func (r *run) failed(t try, end ending, check, format string, a ...any) {
	if r.kills.excused(end, t.t0, time.Now()) {
		r.t.lost.Add(1)
		return
	}
	r.t.errors.Add(1)
	if said := r.srv.said(t.c, t.mark); said != "" {
		format, a = format+"; the server said %q", append(a, said)
	}
	r.t.fail(check, format, a...)
}

// tooSlow reports (and counts) a request on t that the server closed or
// reset unanswered when the server may have been right to: its idle timeout
// had run out. That is so if the server says so on stderr ("idle timeout"),
// or if we sent the request, at w, half an idle timeout or more after the
// server began to wait for it (no sooner than prev: our previous request,
// or our connect). A well-behaved client sends within milliseconds, but
// under load torture itself is late, and loopback delivery lags (softirq
// work deferred to ksoftirqd) by more than the sender can see. So the load
// cannot judge the timeout; the stall phase does, in quiet, both ways: no
// staller cut off before the timeout, none long after it.
func (r *run) tooSlow(t try, prev, w time.Time, got int, end ending) bool {
	if got > 0 || !end.closed() {
		return false
	}
	if w.Sub(prev) < r.cfg.idle/2 && !strings.Contains(r.srv.said(t.c, t.mark), "idle timeout") {
		return false
	}
	r.t.slow.Add(1)
	return true
}

// good is one well-behaved connection: one to three requests of random
// sizes, each answered with exactly the bytes asked for, then a half-close
// that must bring EOF and not a byte more.
func (r *run) good(rng *rand.Rand, patience time.Duration) {
	tr := r.begin()
	c, err := dial(r.srv.addr)
	r.t.conns.Add(1)
	if err != nil {
		r.failed(tr, endingOf(err), "good client", "connect: %v", err)
		return
	}
	tr.c = c
	defer c.Close()
	c.SetDeadline(tr.t0.Add(patience))
	if !r.goodRequests(tr, rng) {
		return
	}
	c.CloseWrite()
	if extra, end := drain(c, -1); extra > 0 || end != endEOF {
		r.failed(tr, end, "good client", "after the last reply read %d more bytes, then %s; want EOF",
			extra, end)
	}
}

// goodRequests makes good's requests on tr, and reports whether each was
// answered in full.
func (r *run) goodRequests(tr try, rng *rand.Rand) bool {
	nreq, prev := 1+rng.IntN(3), tr.t0
	for i := range nreq {
		n := requestSize(rng)
		w := time.Now()
		_, err := fmt.Fprintf(tr.c, "%d\n", n)
		got, end := 0, endingOf(err)
		if err == nil {
			got, end = drain(tr.c, n)
		}
		if end != endDone {
			if !r.tooSlow(tr, prev, w, got, end) {
				r.failed(tr, end, "good client", "request %d of %d, sent %v after the last: "+
					"asked for %d bytes, read %d, then %s",
					i+1, nreq, w.Sub(prev).Round(time.Millisecond), n, got, end)
			}
			return false
		}
		prev = w
		r.t.served.Add(1)
	}
	return true
}

// burst opens n connections at once, each sending its request as soon as
// it is connected (a server that accepts at once starts its idle timer
// then); only when all n are open does each half-close and read its reply.
// Every one must be served, none refused or reset.
func (r *run) burst(n int) {
	tr := r.begin()
	conns, sent := make([]*net.TCPConn, n), make([]time.Time, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { conns[i], sent[i] = r.burstSend(tr, i, n) })
	}
	wg.Wait()
	for i, c := range conns {
		if c != nil {
			wg.Go(func() { r.burstReply(tr, c, i, n, sent[i]) })
		}
	}
	wg.Wait()
}

// burstSend connects the burst's connection i of n and asks for 1000+i
// bytes. It returns the connection and when it sent, or nil.
func (r *run) burstSend(tr try, i, n int) (*net.TCPConn, time.Time) {
	c, err := dial(r.srv.addr)
	r.t.conns.Add(1)
	if err != nil {
		r.failed(tr, endingOf(err), "overload", "connection %d of %d: %v", i+1, n, err)
		return nil, time.Time{}
	}
	c.SetDeadline(time.Now().Add(r.patience()))
	w := time.Now()
	if _, err := fmt.Fprintf(c, "%d\n", 1000+i); err != nil {
		ct := try{c, tr.t0, tr.mark}
		if !r.tooSlow(ct, tr.t0, w, 0, endingOf(err)) {
			r.failed(ct, endingOf(err), "overload", "connection %d of %d: %v", i+1, n, err)
		}
		c.Close()
		return nil, time.Time{}
	}
	return c, w
}

// burstReply half-closes the burst's connection i of n, which sent its
// request at sent, and reads the reply: exactly 1000+i bytes, then EOF.
func (r *run) burstReply(tr try, c *net.TCPConn, i, n int, sent time.Time) {
	defer c.Close()
	c.CloseWrite()
	got, end := drain(c, -1)
	if got == 1000+i && end == endEOF {
		r.t.served.Add(1)
		return
	}
	ct := try{c, tr.t0, tr.mark}
	if !r.tooSlow(ct, tr.t0, sent, got, end) {
		r.failed(ct, end, "overload", "connection %d of %d: read %d bytes, then %s; want %d, then EOF",
			i+1, n, got, end, 1000+i)
	}
}

// crowd is the size of an overload burst.
func (r *run) crowd() int {
	if r.d.crowd() {
		return r.cfg.crowd
	}
	n := r.d.slots(r.cfg.pool)
	if r.d.PerClient {
		n = r.cfg.pool // 10 × as many as a pool would have
	}
	return r.cfg.overload * n
}
