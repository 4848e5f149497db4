package unp

import (
	"errors"

	"golang.org/x/sys/unix"
)

// Read_fd reads up to len(ptr) bytes from the Unix domain socket fd and a
// descriptor, if one came with them: the book's read_fd (lib/read_fd.c,
// section 15.7). It returns the byte count (0 at EOF) and the received
// descriptor, or -1 if none came.
//
// The descriptor arrives close-on-exec (MSG_CMSG_CLOEXEC), like every other
// descriptor in these programs. If the control buffer was too small
// (MSG_CTRUNC) or more than one descriptor came, the extras are closed and
// an error is returned: a descriptor we do not know about is a leak.
//
// Departure: the book's Read_fd (lib/read_fd.c) exits on error and does not
// check MSG_CTRUNC; here errors return, and a truncated or extra descriptor
// is closed and reported.
func Read_fd(fd int, ptr []byte) (n int, recvfd int, err error) {
	oob := make([]byte, unix.CmsgSpace(4)) // room for exactly one int
	var oobn, flags int
	for {
		schedPoint()
		n, oobn, flags, _, err = unix.Recvmsg(fd, ptr, oob, unix.MSG_CMSG_CLOEXEC)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return 0, -1, err
	}
	fds, perr := parseRights(oob[:oobn])
	if perr == nil && flags&unix.MSG_CTRUNC != 0 {
		perr = errors.New("read_fd: control message truncated (MSG_CTRUNC)")
	}
	if perr == nil && len(fds) > 1 {
		perr = errors.New("read_fd: more than one descriptor")
	}
	if perr != nil {
		for _, d := range fds {
			Close(d)
		}
		return n, -1, perr
	}
	if len(fds) == 0 {
		return n, -1, nil
	}
	return n, fds[0], nil
}

// parseRights returns every descriptor carried by SCM_RIGHTS messages.
func parseRights(oob []byte) ([]int, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, err
	}
	var fds []int
	for i := range msgs {
		if msgs[i].Header.Level != unix.SOL_SOCKET || msgs[i].Header.Type != unix.SCM_RIGHTS {
			continue
		}
		got, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			return fds, err
		}
		fds = append(fds, got...)
	}
	return fds, nil
}
