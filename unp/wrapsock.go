package unp

import (
	"errors"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Accept and Select are two of the book's socket wrappers (lib/wrapsock.c):
// the capitalised name calls the system and deals with the errors a caller
// should never see.

// Accept takes the next connection from a listening socket and returns its
// close-on-exec descriptor and the peer's address. It retries EINTR (the Go
// runtime's preemption signal lands on blocked threads) and ECONNABORTED (a
// client reset while queued: section 5.11), which are no reason to stop.
// On a blocking listener it also retries EAGAIN, which is the listener's
// idle timeout running out (see setIdleTimeout), not an error; on a
// non-blocking one EAGAIN means no connection is waiting and goes back to
// the caller. Any other error, EMFILE say, goes back to the caller, which
// backs off (see Backoff).
//
// The call blocks the calling OS thread, which is what the book's designs
// want: a process or pool thread asleep in accept(2) inside the kernel.
//
// Departure: the book's Accept (lib/wrapsock.c) retries ECONNABORTED (and EPROTO) alone and
// ends the process with err_sys on any other error, EINTR and EMFILE
// included.
func Accept(listenfd int) (int, unix.Sockaddr, error) {
	return AcceptUnless(listenfd, nil)
}

// ErrStopped is what AcceptUnless returns when it was told to stop.
var ErrStopped = errors.New("stopped accepting")

// AcceptUnless is Accept for a process that may be told to stop accepting
// while it sleeps in accept(2) (beyond/'s serv13, retiring its children):
// before each try, and after each interruption, it calls stop, and returns
// ErrStopped if stop reports true. A connection accept(2) has returned is
// always returned, never dropped: the caller serves it. stop nil never
// stops.
//
// To wake the sleeper, send its thread a signal (tgkill(2)): on a
// listener with a receive timeout, which every listener of Tcp_listen has,
// Linux ends accept(2) with EINTR whatever SA_RESTART says, and no
// connection is taken from the queue. Without the timeout the kernel would
// restart the call, and the signal would go unnoticed.
func AcceptUnless(listenfd int, stop func() bool) (int, unix.Sockaddr, error) {
	for {
		if stop != nil && stop() {
			return -1, nil, ErrStopped
		}
		schedPoint()
		connfd, sa, err := accept4(listenfd, 0)
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		if err == unix.EAGAIN {
			fl, ferr := unix.FcntlInt(uintptr(listenfd), unix.F_GETFL, 0)
			if ferr == nil && fl&unix.O_NONBLOCK == 0 {
				continue
			}
		}
		return connfd, sa, err
	}
}

// accept4 is accept4(2) with SOCK_CLOEXEC and flags (SOCK_NONBLOCK for
// AcceptNonblock), called directly rather than through x/sys/unix's Accept4,
// which asks getsockopt(SO_PROTOCOL) of every IPv4 or IPv6 connection it
// returns, to tell an L2TP socket from a TCP one:
// a system call per connection that a TCP server does not need.
func accept4(listenfd, flags int) (int, unix.Sockaddr, error) {
	var rsa unix.RawSockaddrAny
	salen := uint32(unix.SizeofSockaddrAny)
	fd, _, e := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(listenfd), uintptr(unsafe.Pointer(&rsa)),
		uintptr(unsafe.Pointer(&salen)), uintptr(unix.SOCK_CLOEXEC|flags), 0, 0)
	if e != 0 {
		return -1, nil, e
	}
	return int(fd), rawToSockaddr(&rsa), nil
}

// rawToSockaddr decodes an IPv4 or IPv6 address as the kernel writes it;
// another family gives nil, which Sock_ntop prints as "(unknown peer)".
func rawToSockaddr(rsa *unix.RawSockaddrAny) unix.Sockaddr {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		port := (*[2]byte)(unsafe.Pointer(&p.Port))
		return &unix.SockaddrInet4{Port: int(port[0])<<8 | int(port[1]), Addr: p.Addr}
	case unix.AF_INET6:
		p := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		port := (*[2]byte)(unsafe.Pointer(&p.Port))
		return &unix.SockaddrInet6{Port: int(port[0])<<8 | int(port[1]), ZoneId: p.Scope_id,
			Addr: p.Addr}
	}
	return nil
}

// PeerName returns the address of the peer of a connected socket, for a
// server that did not keep it from accept (serv12-uring's multishot accept
// returns none). It asks getsockopt(SO_PEERNAME), not getpeername(2):
// after the peer has reset the connection, getpeername fails with ENOTCONN,
// while SO_PEERNAME still tells whom the connection was with, which is when
// a server has something to say about it. The kernel refuses (EINVAL) a
// buffer longer than the address, so it asks for an IPv6 address first and
// then for an IPv4 one.
func PeerName(fd int) (unix.Sockaddr, error) {
	var rsa unix.RawSockaddrAny
	var err error
	for _, size := range []uintptr{unix.SizeofSockaddrInet6, unix.SizeofSockaddrInet4} {
		salen := uint32(size)
		_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET,
			unix.SO_PEERNAME, uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&salen)), 0)
		if e == 0 {
			return rawToSockaddr(&rsa), nil
		}
		err = e
	}
	return nil, err
}

// Select waits until a descriptor of rset is ready to read, as the book's
// Select wrapper (lib/wrapsock.c) with no write or exception sets, and
// returns how many are; 0 means the timeout ran out (nil: wait forever). It
// retries EINTR (the Go runtime's preemption signal) and exits through
// Err_sys on any other error. Departure: the book's Select ends the process
// on EINTR too.
func Select(nfds int, rset *unix.FdSet, timeout *unix.Timeval) int {
	for {
		set := *rset
		schedPoint()
		var tv *unix.Timeval
		if timeout != nil {
			t := *timeout // Linux's select writes the time left into it
			tv = &t
		}
		n, err := unix.Select(nfds, &set, nil, nil, tv)
		if err == nil {
			*rset = set
			return n
		}
		if err != unix.EINTR {
			Err_sys(err, "select error")
		}
	}
}

// Readable waits at most d for fd to become readable and reports whether
// it did: a select on one descriptor with a timeout.
func Readable(fd int, d time.Duration) bool {
	var rset unix.FdSet
	rset.Set(fd)
	tv := unix.NsecToTimeval(d.Nanoseconds())
	return Select(fd+1, &rset, &tv) > 0
}
