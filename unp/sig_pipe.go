package unp

import (
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// Sig_pipe returns the read end of a pipe on which one byte, the signal
// number, arrives for each SIGCHLD, SIGINT and SIGTERM: the self-pipe trick.
// A parent that waits in select or read can then see signals and descriptors
// in the same loop, and do what the book does in its handlers (reap a child,
// sig_int) without racing its own main loop.
//
// Departure: the book's handlers interrupt the parent (sig_chld, sig_int).
// Go runs no code in a signal handler; it queues the signal for a channel,
// and a goroutine copies it into the pipe. Call Sig_pipe before the first
// Fork, so that no SIGCHLD is missed, and before Ready.
func Sig_pipe() int {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		Err_sys(err, "pipe")
	}
	// The write end never blocks: if the pipe is full, a byte is already
	// waiting to wake the reader, which loses nothing by missing a repeat
	// SIGCHLD (it reaps every dead child at once).
	if err := unix.SetNonblock(p[1], true); err != nil {
		Err_sys(err, "sig_pipe: O_NONBLOCK")
	}
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGCHLD, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			for {
				_, err := unix.Write(p[1], []byte{byte(s.(syscall.Signal))})
				if err != unix.EINTR {
					break
				}
			}
		}
	}()
	return p[0]
}

// Sig_read waits for the next signal on a Sig_pipe and returns it.
func Sig_read(sigfd int) syscall.Signal {
	var b [1]byte
	n, err := Read(sigfd, b[:])
	if err == nil && n != 1 {
		err = io.ErrUnexpectedEOF // cannot happen: this process holds the write end
	}
	if err != nil {
		Err_sys(err, "reading the signal pipe")
	}
	return syscall.Signal(b[0])
}

// Select waits until a descriptor of rset is ready to read, as the book's
// Select wrapper (lib/wrapsock.c) with no write or exception sets and no
// timeout, and returns how many are. It retries EINTR (the Go runtime's
// preemption signal) and exits through Err_sys on any other error.
func Select(nfds int, rset *unix.FdSet) int {
	for {
		set := *rset
		n, err := unix.Select(nfds, &set, nil, nil, nil)
		if err == nil {
			*rset = set
			return n
		}
		if err != unix.EINTR {
			Err_sys(err, "select error")
		}
	}
}
