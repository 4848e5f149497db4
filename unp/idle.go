package unp

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ErrIdle is returned when a read or write on a connection waited longer
// than the idle timeout (see IdleTimeout).
var ErrIdle = errors.New("idle timeout")

// DefaultIdleTimeout bounds how long a server waits on one read or write of
// a connection when UNP_IDLE_TIMEOUT is not set.
const DefaultIdleTimeout = 10 * time.Second

var idle = sync.OnceValues(func() (time.Duration, error) {
	s := os.Getenv("UNP_IDLE_TIMEOUT")
	if s == "" {
		return DefaultIdleTimeout, nil
	}
	d, err := time.ParseDuration(s)
	if err == nil && d <= 0 {
		err = fmt.Errorf("must be positive")
	}
	if err != nil {
		return 0, fmt.Errorf("UNP_IDLE_TIMEOUT=%q: %v", s, err)
	}
	return d, nil
})

// IdleTimeout returns the longest time a server waits on one read or write
// of a connection: the environment variable UNP_IDLE_TIMEOUT (a Go
// duration such as "10s" or "500ms"), DefaultIdleTimeout if unset. A bad
// value is an error, which Tcp_listen reports at start-up.
//
// Departure: the book's web_child.c has no timeout, so a client that connects and says
// nothing occupies a process or thread forever, and stops an iterative server
// outright.
func IdleTimeout() (time.Duration, error) { return idle() }

// setIdleTimeout sets SO_RCVTIMEO and SO_SNDTIMEO on a socket: a blocked
// read or write then fails with EAGAIN after the idle timeout, with no
// poll(2) and no extra system call on the request path.
//
// Tcp_listen sets them once, on the listening socket. Linux copies a
// listener's socket options into every socket that accept(2) returns, so each
// connection has its timeouts without two setsockopt calls of its own —
// two more on top of the book's five system calls per connection (accept,
// read, write, read for EOF, close). The price: on the
// listener, SO_RCVTIMEO also bounds accept, which then fails with EAGAIN
// after a quiet interval; Accept retries it.
func setIdleTimeout(fd int) error {
	d, err := IdleTimeout()
	if err != nil {
		return err
	}
	tv := unix.NsecToTimeval(d.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return fmt.Errorf("setsockopt SO_RCVTIMEO: %w", err)
	}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); err != nil {
		return fmt.Errorf("setsockopt SO_SNDTIMEO: %w", err)
	}
	return nil
}
