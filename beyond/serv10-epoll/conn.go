package main

import (
	"container/list"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// errDone ends a connection whose client closed it between requests, or
// whose last request asked to close it after the reply.
var errDone = errors.New("done")

// A conn is one connection's state: web_child's locals, kept between
// events. It is reading a request while no reply is pending, and writing
// the reply otherwise; closed is its absence from the worker.
type conn struct {
	fd       int
	peer     unix.Sockaddr
	r, w     int  // unread request bytes are buf[r:w], as in unp.Rline
	eof      bool // the client has shut down its side
	drained  bool // the last read emptied the socket: wait for the next edge
	rdhup    bool // epoll said the client shut down: read on to the EOF
	last     bool // the request being answered asked to close after it (HTTP)
	reply    unp.Reply
	deadline time.Time     // when the idle timeout runs out
	elem     *list.Element // in worker.idle
	buf      [unp.MaxHead]byte
}

// step is web_child turned inside out: it runs the connection until a read
// or write would block (nil error) or the connection is over (errDone, or
// why it failed, worded as web_child's errors). progress reports whether
// the idle timeout starts again: a byte written, a request read whole, or
// the first bytes of a request; the rest of a request begun must come
// within the timeout of its start, as unp.Rline requires, or a client
// sending a byte at a time would hold the connection for ever. Requests are
// the book's lines or HTTP, parsed by unp.NextRequest from what is
// buffered, as unp.Web_child parses them.
//
// A read that returns less than it asked for has emptied the socket, and
// the next byte to come will raise an edge of its own, so the read that
// would return EAGAIN is skipped; but a FIN that came with the last bytes
// raised its edge before that read, and shows only as EPOLLRDHUP.
func (c *conn) step() (progress bool, err error) {
	for {
		if c.reply.Pending() { // writing N bytes, after a head over HTTP
			_, err := c.reply.Write(c.fd)
			switch {
			case err == unix.EINTR:
				continue
			case err == unix.EAGAIN:
				return progress, nil // the send buffer is full: wait for EPOLLOUT
			case err != nil:
				return progress, fmt.Errorf("writing %d-byte reply: %w", c.reply.N, err)
			}
			progress = true
			if c.last && !c.reply.Pending() {
				return progress, errDone
			}
			continue
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
		if c.eof {
			if c.r < c.w {
				return progress, fmt.Errorf("reading request: %w", unp.ErrPartialLine)
			}
			return progress, errDone
		}
		if c.drained && !c.rdhup {
			c.drained = false
			return progress, nil // edge-triggered: the next byte brings an event
		}
		if c.r > 0 { // slide the partial request to the front
			c.w = copy(c.buf[:], c.buf[c.r:c.w])
			c.r = 0
		}
		if c.w == len(c.buf) { // NextRequest's limits come first: never
			return progress, fmt.Errorf("reading request: %w", unp.ErrLineTooLong)
		}
		n, err = unix.Read(c.fd, c.buf[c.w:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return progress, nil
		case err != nil:
			return progress, fmt.Errorf("reading request: %w", err)
		case n == 0:
			c.eof = true
			continue
		}
		if c.w == 0 {
			progress = true // a new request begins
		}
		c.drained = n < len(c.buf)-c.w
		c.w += n
	}
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
