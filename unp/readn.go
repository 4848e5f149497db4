package unp

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// ErrIdle is returned when a read or write on a connection waited longer
// than the idle timeout (see IdleTimeout).
var ErrIdle = errors.New("idle timeout")

// Read is read(2), retried on EINTR. The Go runtime interrupts threads with
// SIGURG to preempt goroutines, so every blocking raw call must expect EINTR.
// A timeout set with SO_RCVTIMEO surfaces as ErrIdle.
func Read(fd int, buf []byte) (int, error) {
	for {
		n, err := unix.Read(fd, buf)
		switch err {
		case nil:
			return n, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, ErrIdle
		}
		return 0, err
	}
}

// Readn reads exactly len(buf) bytes unless EOF comes first: the book's
// readn (lib/readn.c, section 3.9). It returns the number of bytes read; a
// short count with a nil error means EOF.
func Readn(fd int, buf []byte) (int, error) {
	nread := 0
	for nread < len(buf) {
		n, err := Read(fd, buf[nread:])
		if err != nil {
			return nread, err
		}
		if n == 0 {
			break // EOF
		}
		nread += n
	}
	return nread, nil
}

// Writen writes all of buf: the book's writen (lib/writen.c). A stream
// socket may accept fewer bytes than asked when its send buffer is full or a
// signal arrives, so it loops. A write blocked longer than SO_SNDTIMEO
// returns ErrIdle.
func Writen(fd int, buf []byte) error {
	for len(buf) > 0 {
		n, err := unix.Write(fd, buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return ErrIdle
		case err != nil:
			return err
		case n == 0:
			return fmt.Errorf("write returned 0")
		}
		buf = buf[n:]
	}
	return nil
}

// Close is close(2). The book's Close exits on error; on Linux close always
// releases the descriptor, so there is nothing useful to do with an error.
func Close(fd int) {
	unix.Close(fd)
}
