package unp

import (
	"errors"
	"fmt"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxReplyHead is room for the longest head a Reply writes.
const maxReplyHead = 128

// A Reply is the answer to one Request on its way out: the N bytes of
// result for the book's line; for HTTP a head, then the N bytes (none for
// HEAD). The head is kept beside the static result, not copied in front of
// it, so that the reply goes out in one write(2), or one writev(2) of head
// and body, as the book's goes out in one write; more only when the socket
// takes less. A Reply is a value its connection owns and reuses: building
// and writing one allocates nothing.
//
// The head is what HTTP/1.1 requires and no more (RFC 9112): no Date, since
// the servers have no clock worth reading on the request path.
//
//	HTTP/1.1 200 OK
//	Content-Type: application/octet-stream
//	Content-Length: N
//	Connection: close         (when the connection closes after it)
//	Connection: keep-alive    (HTTP/1.0 asked for it, as ab -k does)
type Reply struct {
	N          int // the byte count asked for: what errors name
	head, h    int // unsent head is buf[head:h]
	sent, body int // unsent body is result[sent:body]
	buf        [maxReplyHead]byte
	iov        [2]unix.Iovec
	msg        unix.Msghdr
}

// Start makes r the reply to req.
func (r *Reply) Start(req Request) {
	r.N, r.sent, r.body = req.N, 0, req.N
	if req.HeadOnly {
		r.body = 0
	}
	b := r.buf[:0]
	if req.HTTP {
		b = append(b, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(req.N), 10)
		switch {
		case req.Close:
			b = append(b, "\r\nConnection: close"...)
		case req.KeepAlive:
			b = append(b, "\r\nConnection: keep-alive"...)
		}
		b = append(b, "\r\n\r\n"...)
	}
	r.head, r.h = 0, len(b)
}

// Pending reports whether some of the reply is still to be sent.
func (r *Reply) Pending() bool { return r.head < r.h || r.sent < r.body }

// Parts returns what is still to be sent: the rest of the head (empty for
// the book's line) and the rest of the body, a slice of the static result.
func (r *Reply) Parts() (head, body []byte) {
	return r.buf[r.head:r.h], result[r.sent:r.body]
}

// Advance drops the first n bytes of what is still to be sent.
func (r *Reply) Advance(n int) {
	k := min(n, r.h-r.head)
	r.head += k
	r.sent += n - k
}

// Write makes one write(2) of what is still to be sent, or one writev(2)
// when a head and a body are both left, and returns its result as the
// system call did (EINTR and EAGAIN included), having advanced the reply
// by what was written.
func (r *Reply) Write(fd int) (int, error) {
	head, body := r.Parts()
	var n int
	var err error
	switch {
	case len(head) == 0:
		n, err = unix.Write(fd, body)
	case len(body) == 0:
		n, err = unix.Write(fd, head)
	default:
		r.setIovecs()
		var e unix.Errno
		n, e = writev(fd, r.iov[:])
		if e != 0 {
			err = e
		}
	}
	if n > 0 {
		r.Advance(n)
	}
	return n, err
}

// Writen writes all that is still to be sent, as Writen does a buffer: on
// a blocking socket whose SO_SNDTIMEO (see IdleTimeout) makes a stalled
// write return ErrIdle.
func (r *Reply) Writen(fd int) error {
	for r.Pending() {
		n, err := r.Write(fd)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return ErrIdle
		case err != nil:
			return err
		case n == 0:
			return errors.New("write returned 0")
		}
	}
	return nil
}

// Msghdr returns a message header for what is still to be sent, for a
// sendmsg(2) submitted to an io_uring (Ring.PrepSendmsg). It points into r,
// which must stay where it is until the send completes.
func (r *Reply) Msghdr() *unix.Msghdr {
	r.setIovecs()
	r.msg = unix.Msghdr{Iov: &r.iov[0], Iovlen: 2}
	return &r.msg
}

func (r *Reply) setIovecs() {
	head, body := r.Parts()
	r.iov[0] = iovec(head)
	r.iov[1] = iovec(body)
}

func iovec(b []byte) unix.Iovec {
	v := unix.Iovec{Base: unsafe.SliceData(b)}
	v.SetLen(len(b))
	return v
}

// writev is writev(2) on raw iovecs: unix.Writev builds its own from
// [][]byte, which costs an allocation per call.
func writev(fd int, iov []unix.Iovec) (int, unix.Errno) {
	n, _, e := unix.Syscall(unix.SYS_WRITEV, uintptr(fd),
		uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	if e != 0 {
		return 0, e
	}
	return int(n), 0
}

// statusReplies are the answers to bad HTTP, which then closes.
var statusReplies = map[int][]byte{}

func init() {
	for status, text := range map[int]string{
		400: "Bad Request",
		404: "Not Found",
		431: "Request Header Fields Too Large",
		501: "Not Implemented",
	} {
		statusReplies[status] = fmt.Appendf(nil,
			"HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status, text)
	}
}

// StatusReply returns the whole reply to a request that failed with err:
// for a *RequestError with a Status, a head saying it and that the
// connection closes; nil for anything else (the book's line, a timeout, a
// reset), which gets no reply. Callers must not change it.
func StatusReply(err error) []byte {
	var rerr *RequestError
	if errors.As(err, &rerr) {
		return statusReplies[rerr.Status]
	}
	return nil
}

// SendStatus sends StatusReply(err), if any, on a connection about to be
// closed: one send(2) that does not wait (MSG_DONTWAIT) and whose failure
// does not matter, since the connection ends either way. A head this short
// fits in any socket's send buffer that is not full of a reply the client
// has not read, in which case nobody is listening anyway.
func SendStatus(fd int, err error) {
	if b := StatusReply(err); b != nil {
		unix.Sendto(fd, b, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL, nil)
	}
}
