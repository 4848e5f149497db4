package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"unp-go.dev/unp"
)

// result is the reply, the book's result[MAXN]: only its length matters.
var result [unp.MAXN]byte

// web_child serves one connection as unp.Web_child does (the book's
// web_child: request lines until EOF, each answered with exactly N bytes,
// the same limits and the same errors), on a net.Conn rather than a raw
// descriptor: a Read or Write that would block parks the goroutine on the
// netpoller.
//
// The idle timeout is a deadline set before each wait, not unp's
// SO_RCVTIMEO. A line, whole, must come within the idle timeout of the
// first wait for it (unp.Rline's rule for a line begun), so the deadline is
// not moved while it is incomplete, and a client sending a byte at a time
// cannot hold the goroutine for ever.
func web_child(conn net.Conn) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic while serving: %v", r)
		}
	}()
	var buf [unp.MAXLINE]byte
	r, w := 0, 0     // unread request bytes are buf[r:w]
	waiting := false // for the current line: its deadline is set
	for {
		if i := bytes.IndexByte(buf[r:w], '\n'); i >= 0 {
			ntowrite, err := unp.ParseRequest(buf[r : r+i])
			if err != nil {
				return err
			}
			r, waiting = r+i+1, false
			conn.SetWriteDeadline(time.Now().Add(idle))
			if _, err := conn.Write(result[:ntowrite]); err != nil {
				return fmt.Errorf("writing %d-byte reply: %w", ntowrite, plain(err))
			}
			continue
		}
		w = copy(buf[:], buf[r:w]) // slide the partial line to the front
		r = 0
		if w == len(buf) {
			return fmt.Errorf("reading request: %w", unp.ErrLineTooLong)
		}
		if !waiting { // a new line: a new deadline
			conn.SetReadDeadline(time.Now().Add(idle))
			waiting = true
		}
		n, err := conn.Read(buf[w:])
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
