package unp

import "golang.org/x/sys/unix"

// AcceptNonblock is Accept for an event loop (serv10-epoll): it never
// blocks, and the connection it returns is non-blocking too (accept4's
// SOCK_NONBLOCK, no fcntl of its own). EAGAIN, no connection waiting, goes
// back to the caller, as do EMFILE and the like; EINTR and ECONNABORTED are
// retried.
//
// It never blocks only on a listener in O_NONBLOCK mode: accept4's flags
// apply to the new socket, not to the wait, and Linux has no MSG_DONTWAIT
// for accept.
func AcceptNonblock(listenfd int) (int, unix.Sockaddr, error) {
	for {
		schedPoint() // an event loop's one goroutine, like a pooled child's: see sched.go
		connfd, sa, err := accept4(listenfd, unix.SOCK_NONBLOCK)
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		return connfd, sa, err
	}
}
