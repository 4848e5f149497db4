package unp

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Notify tells a service manager how the server is doing: systemd's
// sd_notify(3). A server started by a unit of Type=notify finds in
// NOTIFY_SOCKET the address of a datagram socket of the manager's, and
// sends it lines of VAR=VALUE, one datagram a message: READY=1 once it
// serves (Ready sends it), RELOADING=1 and READY=1 around a reload,
// MAINPID=PID when another process takes over as the server (see
// beyond/'s serv13), STOPPING=1 when it shuts down. Without the variable
// Notify does nothing; a manager that cannot be reached costs one line on
// stderr and nothing else, since serving matters more than being watched.
//
// The variable is left in the environment, where the children inherit it:
// serv13's successor, a child, must be able to speak to the manager too
// (with NotifyAccess=all in the unit, the manager listens to every process
// of the service). An address starting with '@' is in the abstract
// namespace (a NUL byte in its place on the wire), as systemd's are in a
// container.
//
// Beyond the book: systemd's protocol, which the book predates; no server
// of the book's tells anyone it is ready (Ready's departure from serv02.c).
func Notify(state ...string) {
	addr := os.Getenv("NOTIFY_SOCKET")
	if addr == "" || len(state) == 0 {
		return
	}
	if err := notify(addr, strings.Join(state, "\n")+"\n"); err != nil {
		Err_msg("NOTIFY_SOCKET %s: %v", addr, err)
	}
}

// notify sends msg in one datagram to the unixgram socket at addr.
func notify(addr, msg string) error {
	if addr[0] != '/' && addr[0] != '@' {
		return fmt.Errorf("not a socket path") // systemd also takes vsock: not here
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	// x/sys/unix turns a leading '@' into the abstract namespace's NUL
	sa := &unix.SockaddrUnix{Name: addr}
	for {
		err = unix.Sendto(fd, []byte(msg), unix.MSG_DONTWAIT, sa) // a manager that is behind costs a message, not the server
		if err != unix.EINTR {
			return err
		}
	}
}
