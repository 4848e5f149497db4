package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"unp-go.dev/unp"
)

// web_child serves one connection as unp.Web_child does (the book's
// web_child: requests until EOF, each answered with exactly N bytes, the
// same limits and the same errors; HTTP too, parsed by the same
// unp.NextRequest), on a net.Conn rather than a raw descriptor: a Read or
// Write that would block parks the goroutine on the netpoller. An HTTP
// reply's head and body go out in one writev(2), through net.Buffers.
//
// The idle timeout is a deadline set before each wait, not unp's
// SO_RCVTIMEO. A request, whole, must come within the idle timeout of the
// first wait for it (unp.Rline's rule for a line begun), so the deadline is
// not moved while it is incomplete, and a client sending a byte at a time
// cannot hold the goroutine for ever.
func web_child(conn net.Conn) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic while serving: %v", r)
		}
	}()
	var buf [unp.MaxHead]byte
	var reply unp.Reply
	var parts [2][]byte // the reply's head and body, for one writev
	var bufs net.Buffers
	r, w := 0, 0     // unread request bytes are buf[r:w]
	waiting := false // for the current request: its deadline is set
	for {
		req, n, err := unp.NextRequest(buf[r:w])
		if err != nil {
			if status := unp.StatusReply(err); status != nil { // bad HTTP hears why
				conn.SetWriteDeadline(time.Now().Add(idle))
				conn.Write(status)
			}
			return err
		}
		if n > 0 {
			r, waiting = r+n, false
			reply.Start(req)
			conn.SetWriteDeadline(time.Now().Add(idle))
			if err := send(conn, &reply, &parts, &bufs); err != nil {
				return fmt.Errorf("writing %d-byte reply: %w", req.N, plain(err))
			}
			if req.Close {
				return nil
			}
			continue
		}
		w = copy(buf[:], buf[r:w]) // slide the partial request to the front
		r = 0
		if w == len(buf) { // NextRequest's limits come first: never
			return fmt.Errorf("reading request: %w", unp.ErrLineTooLong)
		}
		if !waiting { // a new request: a new deadline
			conn.SetReadDeadline(time.Now().Add(idle))
			waiting = true
		}
		n, err = conn.Read(buf[w:])
		w += n
		switch {
		case err == io.EOF && w == 0:
			return nil
		case err == io.EOF:
			return fmt.Errorf("reading request: %w", unp.ErrPartialLine)
		case errors.Is(err, os.ErrDeadlineExceeded) && w > 0:
			return fmt.Errorf("reading request: %w", unp.ErrSlowLine)
		case err != nil:
			return fmt.Errorf("reading request: %w", plain(err))
		}
	}
}

// send writes the reply: the body alone in one Write for the book's line,
// head and body in one writev over HTTP. parts and bufs are the
// connection's, so that a request allocates nothing: WriteTo consumes bufs,
// which is pointed at parts again each time.
func send(conn net.Conn, reply *unp.Reply, parts *[2][]byte, bufs *net.Buffers) error {
	head, body := reply.Parts()
	if len(head) == 0 {
		_, err := conn.Write(body)
		return err
	}
	parts[0], parts[1] = head, body
	*bufs = parts[:]
	_, err := bufs.WriteTo(conn)
	return err
}

// plain turns package net's error ("write tcp A->B: write: broken pipe")
// into what the raw designs log: the errno, or unp.ErrIdle for a deadline.
func plain(err error) error {
	var errno syscall.Errno
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return unp.ErrIdle
	case errors.As(err, &errno):
		return errno
	}
	return err
}
