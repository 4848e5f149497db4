package unp

import (
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// SO_REUSEPORT (Linux 3.9) lets several sockets of one user bind the same
// address and port, and each that listens joins the port's reuseport group:
// the kernel hashes every new connection's 4-tuple to one listener of the
// group, which alone queues and accepts it. Serv09-reuseport gives each
// child a listener of its own this way. Beyond the book: the book
// predates it.

// ReusePortBind reserves host:serv for a reuseport group, as Tcp_listen
// creates a listener: a socket with SO_REUSEADDR, SO_REUSEPORT and the idle
// timeout, bound but not listening. Port 0 makes the kernel choose a port,
// which Getsockname then tells. It exits through Err_sys when it cannot.
//
// A bound socket that does not listen is in no reuseport group: the kernel
// sends it no connection, and while nobody listens a client is refused. So
// it holds the port for the group's listeners (ReusePortListen), and keeps
// holding it while they come and go, without taking a share of the
// connections that nobody would ever accept.
func ReusePortBind(host, serv string) int {
	if _, err := IdleTimeout(); err != nil {
		Err_quit("%v", err)
	}
	fd, err := tcpSocket(host, serv, true, false)
	if err != nil {
		Err_sys(err, "reuseport bind error for %s, %s", host, serv)
	}
	return fd
}

// ReusePortListen returns a new listening socket bound to the address of
// reservefd (see ReusePortBind) with SO_REUSEPORT: one more member of the
// port's reuseport group, with the same options as Tcp_listen's socket.
func ReusePortListen(reservefd int) (int, error) {
	sa, err := unix.Getsockname(reservefd)
	if err != nil {
		return -1, fmt.Errorf("getsockname: %w", err)
	}
	var ap netip.AddrPort
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		ap = netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		ap = netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port))
	default:
		return -1, fmt.Errorf("reuseport: not an IP socket")
	}
	return listenOn(ap, true, true)
}
