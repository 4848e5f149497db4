package unp

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Write_fd sends the bytes of ptr and a copy of the descriptor sendfd over
// the Unix domain socket fd: the book's write_fd (lib/write_fd.c, section
// 15.7), an SCM_RIGHTS control message with sendmsg(2). The receiver gets
// a new descriptor for the same open file description; the sender's own
// copy stays open until it closes it.
//
// ptr must hold at least one byte, as the book's callers send one: a
// descriptor cannot travel alone on a stream socket. (x/sys's Sendmsg
// would quietly add a dummy byte the receiver does not expect.)
//
// Departure: the book's Write_fd (lib/write_fd.c) exits on error. Here a child that died
// shows up as EPIPE or ECONNRESET, which serv05's parent must survive, so the
// error is returned. MSG_NOSIGNAL keeps the broken pipe from raising SIGPIPE.
func Write_fd(fd int, ptr []byte, sendfd int) (int, error) {
	if len(ptr) == 0 {
		return 0, errors.New("write_fd: no data byte to carry the descriptor")
	}
	rights := unix.UnixRights(sendfd)
	for {
		n, err := unix.SendmsgN(fd, ptr, rights, nil, unix.MSG_NOSIGNAL)
		if err != unix.EINTR {
			return n, err
		}
	}
}
