package main

import (
	"bytes"
	"container/list"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// result is the reply, the book's result[MAXN]: only its length matters.
var result [unp.MAXN]byte

// errDone ends a connection whose client closed it between requests.
var errDone = errors.New("done")

// A conn is one connection's state: web_child's locals, kept between
// events. It is reading a line while ntowrite is 0 and writing
// result[nwritten:ntowrite] otherwise; closed is its absence from the
// worker.
type conn struct {
	fd       int
	peer     unix.Sockaddr
	r, w     int  // unread request bytes are buf[r:w], as in unp.Rline
	eof      bool // the client has shut down its side
	drained  bool // the last read emptied the socket: wait for the next edge
	rdhup    bool // epoll said the client shut down: read on to the EOF
	ntowrite int
	nwritten int
	deadline time.Time     // when the idle timeout runs out
	elem     *list.Element // in worker.idle
	buf      [unp.MAXLINE]byte
}

// step is web_child turned inside out: it runs the connection until a read
// or write would block (nil error) or the connection is over (errDone, or
// why it failed, worded as web_child's errors). progress reports whether
// the idle timeout starts again: a byte written, a line read whole, or the
// first bytes of a line; the rest of a line begun must come within the
// timeout of its start, as unp.Rline requires, or a client sending a byte
// at a time would hold the connection for ever.
//
// A read that returns less than it asked for has emptied the socket, and
// the next byte to come will raise an edge of its own, so the read that
// would return EAGAIN is skipped; but a FIN that came with the last bytes
// raised its edge before that read, and shows only as EPOLLRDHUP.
func (c *conn) step() (progress bool, err error) {
	for {
		if c.ntowrite > 0 { // writing N bytes
			n, err := unix.Write(c.fd, result[c.nwritten:c.ntowrite])
			switch {
			case err == unix.EINTR:
				continue
			case err == unix.EAGAIN:
				return progress, nil // the send buffer is full: wait for EPOLLOUT
			case err != nil:
				return progress, fmt.Errorf("writing %d-byte reply: %w", c.ntowrite, err)
			}
			progress = true
			if c.nwritten += n; c.nwritten == c.ntowrite {
				c.ntowrite = 0
			}
			continue
		}
		// reading a line
		if i := bytes.IndexByte(c.buf[c.r:c.w], '\n'); i >= 0 {
			line := c.buf[c.r : c.r+i]
			c.r += i + 1
			n, err := unp.ParseRequest(line)
			if err != nil {
				return progress, err
			}
			c.ntowrite, c.nwritten, progress = n, 0, true
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
		if c.r > 0 { // slide the partial line to the front
			c.w = copy(c.buf[:], c.buf[c.r:c.w])
			c.r = 0
		}
		if c.w == len(c.buf) {
			return progress, fmt.Errorf("reading request: %w", unp.ErrLineTooLong)
		}
		n, err := unix.Read(c.fd, c.buf[c.w:])
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
			progress = true // a new line begins
		}
		c.drained = n < len(c.buf)-c.w
		c.w += n
	}
}

// idleError says why the idle timeout ended a connection, in web_child's
// words.
func (c *conn) idleError() error {
	switch {
	case c.ntowrite > 0:
		return fmt.Errorf("writing %d-byte reply: %w", c.ntowrite, unp.ErrIdle)
	case c.r < c.w:
		return fmt.Errorf("reading request: %w", unp.ErrSlowLine)
	}
	return fmt.Errorf("reading request: %w", unp.ErrIdle)
}
