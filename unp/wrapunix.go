package unp

import "golang.org/x/sys/unix"

// Read is read(2), retried on EINTR. The Go runtime interrupts threads with
// SIGURG to preempt goroutines, so every blocking raw call must expect EINTR.
// A timeout set with SO_RCVTIMEO surfaces as ErrIdle.
//
// Departure: the book's Read (lib/wrapunix.c) exits on any error, EINTR
// included; here EINTR is retried and other errors return.
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

// Close is close(2).
//
// Departure: the book's Close (lib/wrapunix.c) exits on error; on Linux close always
// releases the descriptor, so there is nothing useful to do with an error.
func Close(fd int) {
	unix.Close(fd)
}
