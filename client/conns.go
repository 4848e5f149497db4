package main

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// -conns C holds C connections open at once, in all: child i of N holds
// connections i, i+N, i+2N, ... of them (C/N each, the first C%N children
// one more). Each connection sends its requests in turn, one at a time:
// with -every D one every D, the C connections' schedules spread evenly
// over D (connection g starts at g·D/C), so the server sees C/D requests a
// second in an even stream; with no -every, each next request as soon as
// the last is answered. It stops after -requests K requests, or when
// -duration has passed since the start.

// dialsAtOnce bounds the connects in progress while a child opens its
// share: a server whose accept queue is full drops the SYNs beyond it, and
// each such connect waits out retransmissions.
const dialsAtOnce = 256

// earlyBy is how much before its due time a woken connection may send:
// more than the error of clock's conversion, far less than any interval.
const earlyBy = 100 * time.Microsecond

// open connects this child's share of the held connections before the
// start; a connection that fails to open counts as one error.
func (w *work) open() {
	n := w.c.conns / w.c.children
	if w.i < w.c.conns%w.c.children {
		n++
	}
	held := make([]net.Conn, n)
	sem := make(chan struct{}, dialsAtOnce)
	var wg sync.WaitGroup
	for m := range held {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			conn, err := w.dialer.Dial("tcp", w.addr)
			if err != nil {
				w.fail(fmt.Sprintf("opening held connection %d", w.global(m)), err)
				return
			}
			held[m] = conn
		})
	}
	wg.Wait()
	w.held = held
	for _, c := range held {
		if c != nil {
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

// hold runs the held connections from t0 on.
func (w *work) hold(t0 int64) {
	wake := make([]chan int, len(w.held))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for m, conn := range w.held {
		wake[m] = make(chan int, 1)
		if conn != nil {
			wg.Go(func() {
				<-start
				w.converse(m, conn, t0, wake[m])
			})
		}
	}
	if w.c.every > 0 {
		close(start) // each waits for its first wake-up
		w.wakeAll(t0, wake)
	} else {
		w.timer.sleepUntil(t0)
		close(start)
	}
	wg.Wait()
}

// wakeAll keeps the schedule of this child's connections on its own
// thread (clock.go), waking each when its next request is due, with that
// request's number. A connection still busy with its last request finds
// the latest wake-up waiting (an older one is replaced: it is past).
func (w *work) wakeAll(t0 int64, wake []chan int) {
	every := int64(w.c.every)
	for j := 0; ; j++ {
		any := false
		for m := range wake { // in order of offset, so in order of time
			due := w.offset(m) + int64(j)*every
			if !w.more(j, due) {
				continue
			}
			any = true
			w.timer.sleepUntil(t0 + due)
			select {
			case wake[m] <- j:
			default: // this goroutine alone sends: once emptied, the send goes through
				select {
				case <-wake[m]:
				default:
				}
				wake[m] <- j
			}
		}
		if !any {
			return
		}
	}
}

// converse is one held connection: its requests in turn, until the load
// ends or one fails, which ends the connection.
func (w *work) converse(m int, conn net.Conn, t0 int64, wake chan int) {
	defer conn.Close()
	buf := make([]byte, w.c.nbytes)
	prevEnd := w.clk.toTime(t0)
	for j := 0; ; j++ {
		var due time.Time
		if w.c.every > 0 {
			d := w.offset(m) + int64(j)*int64(w.c.every)
			if !w.more(j, d) {
				return
			}
			due = w.clk.toTime(t0 + d)
			// The wake-up for request j ends the wait, whatever the clock
			// says: toTime is CLOCK_MONOTONIC read beside time.Now, and on
			// a busy machine the two readings can be a thread's time slice
			// apart, so due may seem still ahead when its wake-up has come
			// and no other will (seen: 200 of 1000 held connections
			// waiting for ever after the last wake-up).
			for time.Until(due) > earlyBy {
				if k := <-wake; k >= j {
					break
				}
			}
		} else if !w.more(j, w.clk.toMono(time.Now())-t0) {
			return
		}
		sent := time.Now()
		if due.IsZero() {
			due = sent
		}
		// Late through the client's own fault only: a request waiting
		// for the last reply is the server's.
		lag := sent.Sub(due)
		if prevEnd.After(due) {
			lag = sent.Sub(prevEnd)
		}
		if err := w.exchange(conn, buf); err != nil {
			w.fail(fmt.Sprintf("held connection %d, request %d", w.global(m), j), err)
			return
		}
		prevEnd = time.Now()
		w.done(prevEnd.Sub(due), prevEnd.Sub(sent), lag, 1)
	}
}
