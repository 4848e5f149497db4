package main

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Torture's clients use Go's net package: they are ordinary clients, and
// deadlines on every read and write keep each one bounded in time.

// An ending is how a read or write on a connection came out.
type ending int

const (
	endDone    ending = iota // got what was asked for
	endEOF                   // the server closed
	endReset                 // the server reset (or we wrote after it closed)
	endTimeout               // our deadline passed
	endOther                 // anything else, e.g. connection refused
)

func (e ending) String() string {
	return [...]string{"done", "EOF", "reset", "timeout", "error"}[e]
}

func endingOf(err error) ending {
	switch {
	case err == nil:
		return endDone
	case errors.Is(err, io.EOF):
		return endEOF
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return endReset
	case errors.Is(err, os.ErrDeadlineExceeded):
		return endTimeout
	}
	return endOther
}

// closed reports whether an ending is the server closing the connection.
func (e ending) closed() bool { return e == endEOF || e == endReset }

var dialer = net.Dialer{Timeout: 5 * time.Second}

func dial(addr string) (*net.TCPConn, error) {
	c, err := dialer.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return c.(*net.TCPConn), nil
}

// dialSmall connects with a 4 KB receive buffer, which also turns off the
// kernel's receive-buffer autotuning: a reply of a few hundred kilobytes
// then cannot vanish into our buffers, and the server really blocks in
// write until we read.
func dialSmall(addr string) (*net.TCPConn, error) {
	d := dialer
	d.Control = func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err == nil {
			err = serr
		}
		return err
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return c.(*net.TCPConn), nil
}

// drain reads and discards up to want bytes, or until the connection ends
// if want < 0. It returns the count and how it ended: endDone when want
// bytes came.
func drain(c net.Conn, want int) (int, ending) {
	var buf [64 << 10]byte
	got := 0
	for want < 0 || got < want {
		b := buf[:]
		if want >= 0 {
			b = buf[:min(len(buf), want-got)]
		}
		n, err := c.Read(b)
		got += n
		if err != nil {
			return got, endingOf(err)
		}
	}
	return got, endDone
}

// queued is how many bytes wait unread in c's receive buffer (FIONREAD).
func queued(c *net.TCPConn) int {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0
	}
	n := 0
	rc.Control(func(fd uintptr) {
		n, _ = unix.IoctlGetInt(int(fd), unix.SIOCINQ)
	})
	return n
}
