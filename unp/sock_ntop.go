package unp

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// Sock_ntop formats a socket address as HOST:PORT, IPv6 hosts in brackets:
// the book's sock_ntop (lib/sock_ntop.c, section 3.8).
func Sock_ntop(sa unix.Sockaddr) string {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port)).String()
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port)).String()
	case *unix.SockaddrUnix:
		return sa.Name
	case nil:
		return "(unknown peer)"
	}
	return "(unknown address family)"
}
