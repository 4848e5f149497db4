package unp

import (
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Tcp_connect connects a TCP socket to host and serv and returns its raw,
// blocking, close-on-exec descriptor: the book's tcp_connect
// (lib/tcp_connect.c, section 11.12), trying each address of host in turn.
//
// Departure: the book's wrapper (lib/tcp_connect.c) exits on failure; the client counts a failed
// connection as an error and goes on, so this returns the error.
func Tcp_connect(host, serv string) (int, error) {
	port, err := lookupPort(serv)
	if err != nil {
		return -1, err
	}
	addrs, err := lookupHost(host)
	if err != nil {
		return -1, err
	}
	for _, a := range addrs {
		var fd int
		sa, family := sockaddr(netip.AddrPortFrom(a, port))
		fd, err = unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return -1, fmt.Errorf("socket: %w", err)
		}
		for err = unix.Connect(fd, sa); err == unix.EINTR; {
			// An interrupted connect goes on in the background; wait
			// for it by polling for writability.
			err = waitConnect(fd)
		}
		if err == nil {
			return fd, nil
		}
		unix.Close(fd)
		err = fmt.Errorf("connect %s: %w", Sock_ntop(sa), err)
	}
	return -1, err
}

func waitConnect(fd int) error {
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
	if _, err := unix.Poll(pfd, -1); err != nil {
		return err
	}
	soerr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if soerr != 0 {
		return unix.Errno(soerr)
	}
	return nil
}
