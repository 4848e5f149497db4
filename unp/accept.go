package unp

import "golang.org/x/sys/unix"

// Accept takes the next connection from a listening socket and returns its
// close-on-exec descriptor and the peer's address. It retries EINTR (the Go
// runtime's preemption signal lands on blocked threads) and ECONNABORTED (a
// client reset while queued: section 5.11), which are no reason to stop.
// Any other error, EMFILE say, goes back to the caller to log.
//
// The call blocks the calling OS thread, which is what the book's designs
// want: a process or pool thread asleep in accept(2) inside the kernel.
func Accept(listenfd int) (int, unix.Sockaddr, error) {
	for {
		connfd, sa, err := unix.Accept4(listenfd, unix.SOCK_CLOEXEC)
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		return connfd, sa, err
	}
}
