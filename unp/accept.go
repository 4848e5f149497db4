package unp

import "golang.org/x/sys/unix"

// Accept takes the next connection from a listening socket and returns its
// close-on-exec descriptor and the peer's address. It retries EINTR (the Go
// runtime's preemption signal lands on blocked threads) and ECONNABORTED (a
// client reset while queued: section 5.11), which are no reason to stop.
// On a blocking listener it also retries EAGAIN, which is the listener's
// idle timeout running out (see setIdleTimeout), not an error; on a
// non-blocking one EAGAIN means no connection is waiting and goes back to
// the caller. Any other error, EMFILE say, goes back to the caller to log.
//
// The call blocks the calling OS thread, which is what the book's designs
// want: a process or pool thread asleep in accept(2) inside the kernel.
func Accept(listenfd int) (int, unix.Sockaddr, error) {
	for {
		connfd, sa, err := unix.Accept4(listenfd, unix.SOCK_CLOEXEC)
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		if err == unix.EAGAIN {
			if fl, ferr := unix.FcntlInt(uintptr(listenfd), unix.F_GETFL, 0); ferr == nil && fl&unix.O_NONBLOCK == 0 {
				continue
			}
		}
		return connfd, sa, err
	}
}
