package unp

import (
	"fmt"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// Tcp_listen creates a listening TCP socket bound to host and serv and
// returns its raw descriptor: the book's Tcp_listen (lib/tcp_listen.c,
// section 11.13). host may be empty for the wildcard address, an IPv4 or
// IPv6 literal, or a name; serv a port number (0 lets the kernel choose) or a
// service name. The socket has SO_REUSEADDR, is blocking and close-on-exec,
// carries the idle timeout for every connection accepted from it (see
// setIdleTimeout), and listens with backlog LISTENQ. Like the book's wrapper it exits through
// Err_sys when it cannot.
//
// Departure: lib/tcp_listen.c always makes its socket. A process started by socket activation (see ActivatedListener)
// gets the socket it inherited instead of a new one, and host and serv only
// name what the user expected: if serv names another port, one line says
// which is served.
func Tcp_listen(host, serv string) int {
	if _, err := IdleTimeout(); err != nil {
		Err_quit("%v", err)
	}
	if fd, ok := ActivatedListener(); ok {
		notePort(fd, serv)
		return fd
	}
	fd, err := tcp_listen(host, serv)
	if err != nil {
		Err_sys(err, "tcp_listen error for %s, %s", hostName(host), serv)
	}
	return fd
}

// hostName names host in an error line.
//
// Departure: "" is the wildcard, which tcp_listen.c's message prints as
// "(null)"; here it says "any address".
func hostName(host string) string {
	if host == "" {
		return "any address"
	}
	return host
}

func tcp_listen(host, serv string) (int, error) { return tcpSocket(host, serv, false, true) }

// tcpSocket is tcp_listen with two choices: reuseport sets SO_REUSEPORT
// before bind (see ReusePortBind), and listen false leaves the socket bound
// but not listening.
func tcpSocket(host, serv string, reuseport, listen bool) (int, error) {
	port, err := lookupPort(serv)
	if err != nil {
		return -1, err
	}
	var addrs []netip.Addr
	if host == "" {
		// Departure: glibc's getaddrinfo gives 0.0.0.0 first, so the
		// book's tcp_listen (lib/tcp_listen.c) listens on IPv4 alone on
		// Linux. Here the IPv6 wildcard comes first, dual stack, so IPv4
		// and IPv6 clients both reach it; 0.0.0.0 is used only where
		// there is no IPv6.
		addrs = []netip.Addr{netip.IPv6Unspecified(), netip.IPv4Unspecified()}
	} else if addrs, err = lookupHost(host); err != nil {
		return -1, err
	}
	// As the book, try each address until one binds.
	for _, a := range addrs {
		var fd int
		if fd, err = listenOn(netip.AddrPortFrom(a, port), reuseport, listen); err == nil {
			return fd, nil
		}
	}
	return -1, err
}

func listenOn(ap netip.AddrPort, reuseport, listen bool) (int, error) {
	sa, family := sockaddr(ap)
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	if err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err == nil {
		if family == unix.AF_INET6 && ap.Addr().IsUnspecified() {
			err = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0)
		}
	}
	if err == nil && reuseport {
		err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}
	if err == nil {
		err = setIdleTimeout(fd)
	}
	if err == nil {
		if err = unix.Bind(fd, sa); err != nil {
			err = fmt.Errorf("bind %v: %w", ap, err)
		}
	}
	if err == nil && listen {
		if err = unix.Listen(fd, LISTENQ); err != nil {
			err = fmt.Errorf("listen: %w", err)
		}
	}
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func sockaddr(ap netip.AddrPort) (unix.Sockaddr, int) {
	if a := ap.Addr(); a.Is4() || a.Is4In6() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.Unmap().As4()}, unix.AF_INET
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}, unix.AF_INET6
}

// notePort says, in one line, that the activated socket fd is not on the
// port serv the command line named (0, or a name, says nothing).
func notePort(fd int, serv string) {
	want, err := strconv.Atoi(serv)
	if err != nil || want == 0 {
		return
	}
	if sa, err := unix.Getsockname(fd); err == nil {
		if got := sockPort(sa); got != want {
			Err_msg("socket activation: serving the inherited socket on %s, not port %d",
				Sock_ntop(sa), want)
		}
	}
}

// sockPort is the port of an IPv4 or IPv6 socket address, 0 for another.
func sockPort(sa unix.Sockaddr) int {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return sa.Port
	case *unix.SockaddrInet6:
		return sa.Port
	}
	return 0
}
