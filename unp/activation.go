package unp

import (
	"fmt"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// Socket activation is systemd's way of starting a server (sd_listen_fds(3),
// systemd.socket(5)): the service manager creates the listening socket,
// and when the server starts it finds the socket already open at descriptor
// 3 (SD_LISTEN_FDS_START), with three variables in its environment:
// LISTEN_PID, the process the sockets are for; LISTEN_FDS, how many there
// are, from 3 up; LISTEN_FDNAMES, their names. The port is the manager's
// while the server comes and goes, so a client that connects while the
// server is stopped, or restarting, waits in the queue and is not refused.
// systemd-socket-activate(1) does the same from a shell, for one program.
// Departure: the book's tcp_listen (lib/tcp_listen.c) always makes its
// socket; Tcp_listen first takes one that systemd passed (socket
// activation, which the book predates).

// listenFdsStart is where the inherited descriptors begin (SD_LISTEN_FDS_START).
const listenFdsStart = 3

var activated = sync.OnceValues(listenFds)

// ActivatedListener returns the listening socket this process inherited by
// socket activation, and true; or -1 and false if it was started the
// ordinary way. Tcp_listen calls it first, so that every design that calls
// Tcp_listen can be socket-activated; a design that makes its listeners
// another way (serv09-reuseport's per-child sockets) asks it first.
//
// The rules are systemd's: the descriptors are this process's only if
// LISTEN_PID is its PID (a child started by a server that forgot to clear
// them sees its parent's PID, and must not take its descriptor 3 for a
// socket); the first is descriptor 3, and it must be a listening TCP
// socket, or the server quits with one line. The three variables are
// removed from the environment the first time it is called, whatever they
// held, so that no process this one starts sees them (unp.Fork copies the
// environment). Only the first socket is served; any more are marked
// close-on-exec, so the children do not inherit them either.
//
// The socket is made close-on-exec too: inherited across exec, it has not
// the flag, and a Fork that passes fewer descriptors than the child's
// numbering reaches would leave it open in the child, where descriptor 3
// means something else. It is made blocking (the designs that sleep in
// accept need that; systemd only polls it while the service runs) and
// given the idle timeout, as Tcp_listen's own socket.
func ActivatedListener() (int, bool) {
	fd, err := activated()
	if err != nil {
		Err_quit("socket activation: %v", err)
	}
	return fd, fd >= 0
}

// listenFds is sd_listen_fds(unset_environment=1) for one socket.
func listenFds() (int, error) {
	pid, nfds := os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDS")
	for _, name := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
		os.Unsetenv(name)
	}
	if pid == "" || nfds == "" || pid != strconv.Itoa(os.Getpid()) {
		return -1, nil // not activated, or the variables were meant for another process
	}
	n, err := strconv.Atoi(nfds)
	if err != nil || n < 0 {
		return -1, fmt.Errorf("LISTEN_FDS=%q is not a count", nfds)
	}
	if n == 0 {
		return -1, nil
	}
	for fd := listenFdsStart; fd < listenFdsStart+n; fd++ {
		unix.CloseOnExec(fd)
	}
	fd := listenFdsStart
	if err := isTCPListener(fd); err != nil {
		return -1, fmt.Errorf("descriptor %d: %w", fd, err)
	}
	if n > 1 {
		Err_msg("socket activation: %d sockets passed, serving the first only", n)
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		return -1, fmt.Errorf("descriptor %d: clearing O_NONBLOCK: %w", fd, err)
	}
	if err := setIdleTimeout(fd); err != nil {
		return -1, fmt.Errorf("descriptor %d: %w", fd, err)
	}
	return fd, nil
}

// isTCPListener checks that fd is a listening TCP socket over IPv4 or IPv6:
// what systemd's sd_is_socket_inet(fd, 0, SOCK_STREAM, 1, 0) checks.
func isTCPListener(fd int) error {
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return fmt.Errorf("not a socket: %w", err)
	}
	domain, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	proto, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
	listening, _ := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
	switch {
	case typ != unix.SOCK_STREAM || proto != unix.IPPROTO_TCP:
		return fmt.Errorf("not a TCP socket")
	case domain != unix.AF_INET && domain != unix.AF_INET6:
		return fmt.Errorf("not an IPv4 or IPv6 socket")
	case listening != 1:
		return fmt.Errorf("a TCP socket, but not listening")
	}
	return nil
}
