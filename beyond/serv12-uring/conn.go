package main

import (
	"container/list"
	"errors"
	"fmt"
	"time"

	"unp-go.dev/unp"
)

// errDone ends a connection whose client closed it between requests, or
// whose last request asked to close it after the reply.
var errDone = errors.New("done")

// A conn is one connection's state: web_child's locals, kept between
// completions, and what of it is in flight in the ring. It is reading a
// request while no reply is pending, and sending the reply otherwise: the
// static result (a global, which stays where the kernel is told it is until
// every send of it has completed) after a head over HTTP, which the conn
// holds (a conn stays put, in worker.conns, until its last CQE is in).
type conn struct {
	fd       int
	r, w     int       // unread request bytes are buf[r:w], as in unp.Rline
	spill    []byte    // read, and not yet in buf (buf was full)
	eof      bool      // the client has shut down its side
	recv     recvState // the multishot recv: see recvState
	sending  bool      // a send is in flight
	closing  bool      // closed but for the descriptor: see worker.close
	last     bool      // the request being answered asked to close after it (HTTP)
	reply    unp.Reply
	deadline time.Time     // when the idle timeout runs out
	elem     *list.Element // in worker.idle
	buf      [unp.MaxHead]byte
}

// A recvState is where a conn's multishot recv stands. Its transitions:
//
//	idle -> armed           worker.recv submits it (accepted, step, rearm)
//	armed -> cancelling     serve cancels it: a spill waits to be used
//	armed, cancelling -> idle
//	                        its last CQE (no F_MORE): EOF, an error, or
//	                        ECANCELED, after a pause or a close
//	armed, cancelling -> starved
//	                        its last CQE is ENOBUFS: no buffer was free
//	starved -> idle         rearm, once a buffer is back (and at once
//	                        armed again if the conn still wants it)
//
// A cancelling recv may still deliver reads before its last CQE. Closing
// is apart from this: worker.close cancels an armed or cancelling recv,
// and worker.finish waits for it to be idle or starved.
type recvState uint8

const (
	recvIdle       recvState = iota // none in flight; step submits one when it wants a request
	recvArmed                       // in flight: a CQE per read
	recvCancelling                  // in flight, and a cancel of it too
	recvStarved                     // ended by ENOBUFS; in worker.starved until rearm
)

// inFlight reports whether the recv's last CQE is still to come.
func (s recvState) inFlight() bool { return s == recvArmed || s == recvCancelling }

// step is web_child turned inside out, as serv10's is, but on completions
// instead of readiness: it runs the connection until it must wait for the
// ring (a send or a recv in flight; nil error) or the connection is over
// (errDone, or why it failed, worded as web_child's errors). progress
// reports whether the idle timeout starts again: a request read whole, or
// the first bytes of a request; the rest of a request begun must come
// within the timeout of its start, as unp.Rline requires. A send that
// completes is progress too (worker.sent). Requests are the book's lines or
// HTTP, parsed by unp.NextRequest from what is buffered, as unp.Web_child
// parses them.
func (c *conn) step(w *worker) (progress bool, err error) {
	for {
		if c.drainSpill() {
			progress = true
		}
		if c.sending {
			return progress, nil // its CQE brings us back
		}
		if c.reply.Pending() {
			w.send(c) // the reply, or the rest of it after a short send
			return progress, nil
		}
		if c.last {
			return progress, errDone
		}
		// reading a request
		req, n, err := unp.NextRequest(c.buf[c.r:c.w])
		if err != nil {
			unp.SendStatus(c.fd, err) // bad HTTP hears why
			return progress, err
		}
		if n > 0 {
			c.r += n
			c.reply.Start(req)
			c.last, progress = req.Close, true
			continue
		}
		if c.w-c.r == len(c.buf) { // NextRequest's limits come first: never
			return progress, fmt.Errorf("reading request: %w", unp.ErrLineTooLong)
		}
		if len(c.spill) > 0 {
			continue // drainSpill makes room now that the request is gone
		}
		if c.eof {
			if c.r < c.w {
				return progress, fmt.Errorf("reading request: %w", unp.ErrPartialLine)
			}
			return progress, errDone
		}
		if c.recv == recvIdle {
			w.recv(c) // the first, or after a pause or the end of a multishot recv
		}
		return progress, nil
	}
}

// fill moves data into the request buffer, as far as it fits, sliding a
// partial request to the front first. It returns how much it took, and
// whether a request began: bytes came when none were waiting.
func (c *conn) fill(data []byte) (n int, began bool) {
	if c.r > 0 { // slide the partial line to the front
		c.w = copy(c.buf[:], c.buf[c.r:c.w])
		c.r = 0
	}
	n = copy(c.buf[c.w:], data)
	began = c.w == 0 && n > 0
	c.w += n
	return n, began
}

// drainSpill moves what spilled into the request buffer, as far as it
// fits, and reports whether a request began.
func (c *conn) drainSpill() (began bool) {
	if len(c.spill) == 0 {
		return false
	}
	n, began := c.fill(c.spill)
	if c.spill = c.spill[n:]; len(c.spill) == 0 {
		c.spill = nil // let the array go
	}
	return began
}

// failure words an error of the connection as web_child would: by what it
// was doing when it came, sending a reply or reading a request. The recv
// goes on while a reply is sent, so a reset mid-reply may come to either
// first, and is a reply's failure either way.
func (c *conn) failure(err error) error {
	if c.reply.Pending() {
		return fmt.Errorf("writing %d-byte reply: %w", c.reply.N, err)
	}
	return fmt.Errorf("reading request: %w", err)
}

// idleError says why the idle timeout ended a connection, in web_child's
// words.
func (c *conn) idleError() error {
	switch {
	case c.reply.Pending():
		return fmt.Errorf("writing %d-byte reply: %w", c.reply.N, unp.ErrIdle)
	case c.r < c.w:
		return fmt.Errorf("reading request: %w", unp.ErrSlowLine)
	}
	return fmt.Errorf("reading request: %w", unp.ErrIdle)
}
