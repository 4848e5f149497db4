package main

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// -conns C holds C connections open at once, in all: child i of N holds
// connections i, i+N, i+2N, ... of them (C/N each, the first C%N children
// one more). Each connection sends its requests in turn, one at a time:
// with -every D one every D, the C connections' schedules spread evenly
// over D (connection g starts at g·D/C), so the server sees C/D requests a
// second in an even stream; with no -every, each next request as soon as
// the last is answered. It stops after -requests K requests, or when
// -duration has passed since the start. The child's event loop (loop.go)
// opens them, keeps their schedule and carries their requests: one thread
// for all of a child's connections, not a goroutine each woken by another
// that keeps the time.

// dialsAtOnce bounds the connects in progress while a child opens its
// share: a server whose accept queue is full drops the SYNs beyond it, and
// each such connect waits out retransmissions.
const dialsAtOnce = 256

// open connects this child's share of the held connections before the
// start; a connection that fails to open counts as one error. The whole
// opening is bounded by one -timeout: a server that cannot take them all
// (a pool 15 wide, its accept queue full, drops the SYNs beyond it) would
// otherwise have the connects, a batch at a time, each wait out its SYN's
// retransmissions to its own timeout, and a child's share of ten thousand
// would take minutes to find out what one timeout shows. A connection not
// open by then counts as timed out. The connects in progress are kept in
// a set of their own, and each is looked at when the time is out,
// whatever epoll said or did not say: a count of them that one missed
// event put out by one would hold the child here for ever.
//
// A connection is held once its connect is done, which the client knows
// from its own side of the handshake: beyond a full accept queue the
// server's kernel may drop the handshake's last ACK, and a connection the
// client holds is then one the server has not queued, whose request
// meets a reset or a timeout.
func (w *work) open() {
	n := w.c.conns / w.c.children
	if w.i < w.c.conns%w.c.children {
		n++
	}
	l := w.newEvloop()
	w.ev, w.held = l, make([]*flight, n)
	dialing := map[*flight]bool{}
	failed := func(f *flight, err error) {
		delete(dialing, f)
		l.end(f)
		w.held[f.m] = nil
		w.fail(fmt.Sprintf("opening held connection %d", f.slot), err)
	}
	openBy := w.now() + int64(w.c.timeout)
	for started := 0; ; {
		for ; started < n && len(dialing) < dialsAtOnce && w.now() < openBy; started++ {
			f := &flight{fd: -1, slot: w.global(started), m: started}
			w.held[started] = f
			switch err := l.dial(f); {
			case err != nil:
				failed(f, err)
			case !f.open:
				dialing[f] = true
			}
		}
		// Every connect started after the opening did, so the opening's
		// end comes before any connect's own timeout: it is the one
		// deadline here.
		if w.now() >= openBy {
			for ; started < n; started++ {
				f := &flight{fd: -1, slot: w.global(started), m: started}
				failed(f, fmt.Errorf("not started within the opening's %v: %w", w.c.timeout,
					os.ErrDeadlineExceeded))
			}
			for f := range dialing {
				if l.connectedLate(f) {
					delete(dialing, f)
				} else {
					failed(f, os.ErrDeadlineExceeded)
				}
			}
		}
		if started == n && len(dialing) == 0 {
			break
		}
		for _, e := range l.wait(openBy) {
			f := l.flights[int(e.Fd)]
			if f == nil || !dialing[f] || e.Events&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) == 0 {
				continue
			}
			delete(dialing, f)
			if err := l.connected(f, e.Events); err != nil {
				failed(f, err)
			}
		}
	}
	for _, f := range w.held {
		if f != nil {
			w.rec.Held++
		}
	}
}

// global is the index among all C connections of this child's m-th.
func (w *work) global(m int) int { return m*w.c.children + w.i }

// offset is when, after the start, the m-th connection sends its first
// request.
func (w *work) offset(m int) int64 {
	return int64(float64(w.global(m)) * float64(w.c.every) / float64(w.c.conns))
}

// more reports whether request j, due at due ns after the start, is still
// part of the load.
func (w *work) more(j int, due int64) bool {
	if w.c.duration > 0 {
		return due < int64(w.c.duration)
	}
	return j < w.c.requests
}

// hold runs the held connections from t0 on. With -every, one schedule
// walks request j of connection m in order of its due time, t0 +
// offset(m) + j·every, and sends it if the connection is idle; a
// connection still busy with its last request sends the next as soon as
// that one is answered, its due time past (the corrected latency charges
// it the wait). With no -every, each sends its next as soon as its last
// is answered.
func (w *work) hold(t0 int64) {
	h := &holding{work: w, l: w.ev, t0: t0, every: int64(w.c.every)}
	defer h.l.close()
	for now := w.now(); now < t0; now = w.now() {
		h.l.wait(t0)
	}
	h.bound = h.loadBound()
	h.n = len(w.held)
	h.scheduled = h.every == 0 || h.n == 0 // the schedule has no more requests
	if h.scheduled {
		for _, f := range w.held {
			if f != nil {
				h.goOn(f)
			}
		}
	}
	for {
		now := w.now()
		h.issueDue(now)
		for _, f := range h.l.expired(now) {
			h.fail(f, os.ErrDeadlineExceeded)
		}
		if now > h.bound {
			h.giveUp()
		}
		if len(h.l.flights) == 0 {
			return
		}
		wake := h.bound
		if !h.scheduled {
			wake = min(wake, h.scheduledAt(h.next%h.n, h.next/h.n))
		}
		h.replies(h.l.wait(wake))
	}
}

// holding is one child's held connections while hold runs them.
type holding struct {
	*work
	l         *evloop
	t0, every int64
	bound     int64 // past it, a connection not done is given up (loadBound)
	n         int   // connections held
	next      int   // with -every, the schedule's next: request next/n of connection next%n
	scheduled bool  // the schedule has no more requests to walk
}

// scheduledAt is when -every wants request j of connection m sent.
func (h *holding) scheduledAt(m, j int) int64 { return h.t0 + h.offset(m) + int64(j)*h.every }

// dueOf is when request j of f is due: its scheduled time, or now with no
// -every.
func (h *holding) dueOf(f *flight, j int) int64 {
	if h.every == 0 {
		return h.now()
	}
	return h.scheduledAt(f.m, j)
}

// fail ends f and counts its error.
func (h *holding) fail(f *flight, err error) {
	h.l.end(f)
	h.work.fail(fmt.Sprintf("held connection %d, request %d", f.slot, f.cur), err)
}

// issue sends request j of f, due at due.
func (h *holding) issue(f *flight, j int, due int64) {
	f.cur, f.due = j, due
	if err := h.l.send(f); err != nil {
		h.fail(f, err)
	}
}

// goOn decides what f does once idle: its next request if that is due,
// its end if there is none.
func (h *holding) goOn(f *flight) {
	j := f.requests
	due := h.dueOf(f, j)
	switch {
	case !h.more(j, due-h.t0):
		h.l.end(f)
	case due <= h.now():
		h.issue(f, j, due)
	}
}

// loadBound is the load's own bound: a connection's requests, one after
// another, each at its due time or as soon as the last is answered or
// timed out, are done by the time its schedule ends plus a timeout for
// each. Past that bound a connection not done is given up, and said to be,
// so that a fault of this loop shows in the report instead of a client
// that never ends.
func (h *holding) loadBound() int64 {
	timeout, nreq := int64(h.c.timeout), int64(h.c.requests)
	span := nreq * h.every
	if h.c.duration > 0 {
		span = int64(h.c.duration)
		if h.every > 0 {
			nreq = (span + h.every - 1) / h.every
		} else {
			nreq = 1 // back to back: none starts after the duration
		}
	}
	return h.t0 + span + nreq*timeout + int64(time.Second)
}

// issueDue walks the schedule up to now, sending each request that is due
// on a connection that is idle; past the schedule's end, the idle
// connections are done.
func (h *holding) issueDue(now int64) {
	for ; !h.scheduled; h.next++ {
		j, m := h.next/h.n, h.next%h.n
		due := h.scheduledAt(m, j)
		if !h.more(j, due-h.t0) {
			// The rest are later still: idle connections are done.
			h.scheduled = true
			for _, f := range h.held {
				if f != nil && f.fd >= 0 && !f.busy {
					h.l.end(f)
				}
			}
			return
		}
		if due > now {
			return
		}
		if f := h.held[m]; f != nil && f.fd >= 0 && !f.busy && f.requests == j {
			h.issue(f, j, due)
		}
	}
}

// giveUp ends every connection still in flight at the load's bound.
func (h *holding) giveUp() {
	left := 0
	for _, f := range h.l.flights {
		left++
		h.fail(f, fmt.Errorf("given up at the load's end (busy %v, deadline %v)",
			f.busy, f.deadline != 0))
	}
	unp.Err_msg("child %d: %d held connections not done at the load's end: given up",
		h.i, left)
}

// replies reads what the events bring: a reply whole is counted, with
// its latencies, and its connection goes on.
func (h *holding) replies(events []unix.EpollEvent) {
	for _, e := range events {
		f := h.l.flights[int(e.Fd)]
		if f == nil || !f.busy || e.Events&(unix.EPOLLIN|unix.EPOLLERR|unix.EPOLLHUP) == 0 {
			continue // ended in this batch, or idle
		}
		whole, err := h.l.reply(f)
		if err != nil {
			h.fail(f, err)
			continue
		}
		if !whole {
			continue
		}
		end := h.now()
		// Late through the client's own fault only: a request that
		// waited for the last reply is the server's.
		lag := f.sent - f.due
		if f.prevEnd > f.due {
			lag = f.sent - f.prevEnd
		}
		h.done(time.Duration(end-f.due), time.Duration(end-f.sent), time.Duration(lag), 1)
		f.prevEnd = end
		h.goOn(f)
	}
}
