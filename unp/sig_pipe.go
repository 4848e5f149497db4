package unp

import (
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// SignalPipe returns the read end of a pipe on which one byte, the signal
// number, arrives for each SIGCHLD, SIGINT and SIGTERM: the self-pipe trick.
// A parent that waits in select or read can then see signals and descriptors
// in the same loop, and do what the book does in its handlers (reap a child,
// sig_int) without racing its own main loop.
//
// Departure: the book's handlers interrupt the parent (serv01.c's
// sig_chld, serv02.c's sig_int).
// Go runs no code in a signal handler; it queues the signal for a channel,
// and a goroutine copies it into the pipe. Call SignalPipe before the first
// Fork, so that no SIGCHLD is missed, and before Ready. Signals in extra
// (SIGUSR2, for beyond/'s serv13) come down the same pipe.
func SignalPipe(extra ...os.Signal) int {
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
	signal.Notify(sigs, append([]os.Signal{syscall.SIGCHLD, syscall.SIGINT, syscall.SIGTERM},
		extra...)...)
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

// ReadSignal waits for the next signal on a SignalPipe and returns it.
func ReadSignal(sigfd int) syscall.Signal {
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
