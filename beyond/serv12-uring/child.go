package main

import (
	"container/list"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// The ring's sizes: SQEs, CQEs, and the provided buffers (each child's
// reads land in these, whatever the number of connections).
const (
	sqEntries = 256
	cqEntries = 2048
	nbufs     = 256
	bufSize   = 1024
	bufGroup  = 0
)

// ringFlags are the setup flags a child asks for, best first: the newest
// (Linux 6.1) run completions only when the child asks for them, in its
// own thread; the next (5.19) without interrupting it; the last is any
// kernel's.
var ringFlags = []uint32{
	unp.SetupSingleIssuer | unp.SetupDeferTaskrun | unp.SetupCoopTaskrun | unp.SetupSubmitAll,
	unp.SetupCoopTaskrun | unp.SetupSubmitAll,
	0,
}

// Every SQE carries the descriptor it is about and what it is, and its
// CQE brings them back: user data = fd<<8 | op.
const (
	opAccept = 1 + iota
	opRecv
	opSend
	opCancel
	opClose
)

func userData(fd, op int) uint64 { return uint64(fd)<<8 | uint64(op) }

// child_make starts the child for slot i and returns its PID: the book's
// child_make. The child inherits a listening socket as descriptor
// ChildFd(0) and the meter as ChildFd(1). With -reuseport the listener is
// a new member of the port's reuseport group, the child's alone (serv09's
// child_make); else it is the one the parent listens on.
func child_make(i int) (int, error) {
	fd := listenfd
	if reuseport {
		var err error
		if fd, err = unp.ReusePortListen(listenfd); err != nil {
			return -1, err
		}
		defer unp.Close(fd) // the child holds the only reference: see serv09
	}
	return unp.Fork("child", []string{strconv.Itoa(i)}, fd, meter.Fd())
}

// openRing sets up a ring with the first flags the kernel takes and its
// provided buffers, or says why it cannot.
func openRing() (*unp.Ring, *unp.BufRing, error) {
	ring, err := unp.SetupRing(sqEntries, cqEntries, ringFlags...)
	if err != nil {
		return nil, nil, err
	}
	bufs, err := ring.SetupBufRing(bufGroup, nbufs, bufSize)
	if err != nil {
		ring.Close()
		return nil, nil, err
	}
	return ring, bufs, nil
}

// A worker is one child's event loop: its ring, its buffers, its
// connections by descriptor, and their deadlines, earliest first.
type worker struct {
	slot      int
	ring      *unp.Ring
	bufs      *unp.BufRing
	listenfd  int
	meter     *unp.Meter
	conns     []*conn    // by descriptor
	idle      *list.List // of *conn, by deadline
	timeout   time.Duration
	backoff   unp.Backoff
	accepting bool      // the multishot accept is in flight
	resume    time.Time // while accept is paused by the backoff, when to resume
	starved   []*conn   // recvs ended by ENOBUFS, to submit again
	recycled  bool      // a buffer went back to the kernel since the last look
}

// child_main is the life of a child: the ring's loop, forever. Where
// serv10's child asks epoll which descriptor is ready and then makes the
// call itself, this one asks the kernel to make the calls (accept, recv,
// send, close) and sleeps in io_uring_enter until some have completed.
func child_main(args []string) {
	runtime.LockOSThread() // SINGLE_ISSUER: the kernel refuses another thread's enter
	w := &worker{
		slot:     unp.PoolChild(args),
		listenfd: unp.ChildFd(0),
		meter:    unp.OpenMeter(unp.ChildFd(1)),
		idle:     list.New(),
		backoff:  unp.Backoff{What: "accept"},
	}
	w.timeout, _ = unp.IdleTimeout() // the parent's Tcp_listen checked it
	var err error
	if w.ring, w.bufs, err = openRing(); err != nil {
		unp.Err_sys(err, "io_uring") // the parent's probe passed: a limit reached since
	}

	fmt.Printf("child %d starting (io_uring: %s)\n", os.Getpid(), w.ring.FlagNames())
	w.accept()
	for {
		err := w.ring.Enter(true, w.nextTimeout()) // submit everything, wait for one
		switch err {
		case nil, unix.EINTR, unix.ETIME, unix.EBUSY, unix.EAGAIN:
			// EBUSY, EAGAIN: the kernel is holding completions back; read them
		default:
			unp.Err_sys(err, "io_uring_enter")
		}
		w.ring.Completions(w.complete)
		now := time.Now()
		w.expire(now)
		w.rearm(now)
	}
}

// sqe returns a free SQE. A child that cannot have one cannot go on: it
// exits, and the parent starts another (the kernel refuses requests only
// when it is holding more completions back than memory allows).
func (w *worker) sqe() *unp.SQE {
	sqe, err := w.ring.GetSQE()
	if err != nil {
		unp.Err_sys(err, "io_uring")
	}
	return sqe
}

// accept submits the multishot accept: one SQE, then a CQE per connection
// until the kernel ends it.
func (w *worker) accept() {
	w.sqe().PrepAcceptMultishot(w.listenfd, unix.SOCK_CLOEXEC, userData(w.listenfd, opAccept))
	w.accepting = true
}

// complete handles one CQE, by what its SQE was.
func (w *worker) complete(cqe *unp.CQE) {
	fd, op := int(cqe.UserData>>8), int(cqe.UserData&0xff)
	if op == opAccept {
		w.accepted(cqe)
		return
	}
	var c *conn
	if fd < len(w.conns) {
		c = w.conns[fd]
	}
	switch {
	case op == opRecv && c != nil:
		w.received(c, cqe)
	case op == opSend && c != nil:
		w.sent(c, cqe)
	case op == opClose:
		unp.Err_msg("close: %v", cqe.Err()) // only a failure has a CQE
	case op == opRecv:
		if bid, ok := cqe.Buffer(); ok { // never: no close while a recv is in flight
			w.recycle(bid)
		}
	}
	// opCancel: its CQE comes only if nothing was left to cancel
}

// accepted takes a new connection, or deals with the end of the multishot
// accept. An accept that fails for want of a resource (EMFILE) would fail
// again at once, the connection still queued: the accept is submitted again
// after the backoff's pause, and the loop serves on meanwhile, as serv10's
// does.
func (w *worker) accepted(cqe *unp.CQE) {
	if !cqe.More() {
		w.accepting = false // rearm submits it again
	}
	if err := cqe.Err(); err != nil {
		if err != unix.EINTR && err != unix.ECONNABORTED && err != unix.EAGAIN {
			w.resume = time.Now().Add(w.backoff.Failed(err))
		}
		return
	}
	w.backoff.Succeeded()
	w.meter.Add(w.slot)

	c := &conn{fd: int(cqe.Res)}
	for c.fd >= len(w.conns) {
		w.conns = append(w.conns, nil)
	}
	w.conns[c.fd] = c
	c.elem = w.idle.PushBack(c)
	c.deadline = time.Now().Add(w.timeout)
	w.recv(c)
}

// recv submits a multishot recv on c: a CQE for each read, into a buffer
// the kernel takes from the provided ring, until EOF, an error, or ENOBUFS.
func (w *worker) recv(c *conn) {
	w.sqe().PrepRecvMultishot(c.fd, w.bufs.Group, userData(c.fd, opRecv))
	c.recv = recvArmed
}

// received handles a recv's CQE: bytes in a buffer, EOF, or the end of the
// multishot recv.
func (w *worker) received(c *conn, cqe *unp.CQE) {
	if !cqe.More() {
		c.recv = recvIdle
	}
	bid, hasBuf := cqe.Buffer()
	err := cqe.Err()
	switch {
	case cqe.Res > 0 && hasBuf:
		if !c.closing {
			w.copyIn(c, w.bufs.Buf(bid, int(cqe.Res)))
		}
		w.recycle(bid)
	case cqe.Res == 0:
		c.eof = true
	case err == unix.ENOBUFS: // the data waits in the socket, the recv for a buffer
		c.recv = recvStarved
		w.starved = append(w.starved, c)
	case err == unix.ECANCELED: // ours: a pause or a close
	case err != nil && !c.closing:
		w.close(c, c.failure(err))
	}
	w.serve(c)
}

// copyIn copies what a recv read into the connection, so that the buffer
// goes back to the kernel at once: into the request buffer as far as it fits,
// the rest into the connection's spill, which serve then stops the recv for.
// So a client that sends and does not read takes no more than one turn's
// reads from the buffers every connection of the child shares, and what
// it sent waits in its own memory, then in its socket.
func (w *worker) copyIn(c *conn, data []byte) {
	if len(c.spill) == 0 {
		n, began := c.fill(data)
		if began {
			w.touch(c)
		}
		data = data[n:]
	}
	c.spill = append(c.spill, data...)
}

// send submits a send of the rest of the reply: a send from the static
// result for the book's line, a sendmsg gathering the head and the body in
// one over HTTP.
func (w *worker) send(c *conn) {
	if head, body := c.reply.Parts(); len(head) == 0 {
		w.sqe().PrepSend(c.fd, body, unix.MSG_NOSIGNAL, userData(c.fd, opSend))
	} else {
		w.sqe().PrepSendmsg(c.fd, c.reply.Msghdr(), unix.MSG_NOSIGNAL, userData(c.fd, opSend))
	}
	c.sending = true
}

// sent handles a send's CQE: the reply moves on by what was sent, and a
// short send is followed by another for the rest.
func (w *worker) sent(c *conn, cqe *unp.CQE) {
	c.sending = false
	switch {
	case c.closing:
	case cqe.Res < 0:
		w.close(c, c.failure(cqe.Err()))
	case cqe.Res == 0: // a send of something that sent nothing: never
		w.close(c, c.failure(unix.EIO))
	default:
		c.reply.Advance(int(cqe.Res))
		w.touch(c)
	}
	w.serve(c)
}

// serve moves a connection on as far as it goes without waiting, closes it
// if it is done, and finishes closing it once nothing of it is in flight.
//
// A client that sends requests faster than it reads the replies would have
// the child read without end, since the multishot recv goes on reading
// while a reply is being sent: with more than a line's worth waiting (a
// spill), the recv is cancelled, to be submitted again when the data is
// used. Serv10 simply stops reading; TCP's window then holds the client
// back here too.
func (w *worker) serve(c *conn) {
	if !c.closing {
		progress, err := c.step(w)
		if progress {
			w.touch(c)
		}
		if err != nil {
			w.close(c, err)
		}
	}
	if c.closing {
		w.finish(c)
		return
	}
	if len(c.spill) > 0 && c.recv == recvArmed {
		w.sqe().PrepCancel(userData(c.fd, opRecv), userData(c.fd, opCancel))
		c.recv = recvCancelling
	}
}

// touch starts the idle timeout again: the deadline is later than any
// other, so to the back.
func (w *worker) touch(c *conn) {
	c.deadline = time.Now().Add(w.timeout)
	w.idle.MoveToBack(c.elem)
}

// recycle gives a buffer back to the kernel.
func (w *worker) recycle(bid uint16) {
	w.bufs.Recycle(bid)
	w.recycled = true
}

// close ends a connection; err is errDone for a client that said goodbye,
// and anything else is logged with the peer's address, as web_child's
// callers do. The descriptor cannot simply be closed: a request in flight
// holds the socket open, and its CQE would come after the number had gone
// to the next connection. So whatever is in flight is cancelled, and
// finish closes the descriptor when the last CQE is in.
func (w *worker) close(c *conn, err error) {
	if err != errDone {
		peer, _ := unp.PeerName(c.fd) // the multishot accept did not say
		unp.Err_msg("%s: %v", unp.Sock_ntop(peer), err)
	}
	c.closing = true
	w.idle.Remove(c.elem)
	c.spill = nil
	if c.recv.inFlight() || c.sending {
		w.sqe().PrepCancelFd(c.fd, userData(c.fd, opCancel))
	}
}

// finish closes the descriptor of a closing connection that has nothing
// in flight, in the ring: a close(2) with no system call of its own.
func (w *worker) finish(c *conn) {
	if c.recv.inFlight() || c.sending || w.conns[c.fd] != c {
		return
	}
	w.sqe().PrepClose(c.fd, userData(c.fd, opClose))
	w.conns[c.fd] = nil
}

// expire closes every connection whose deadline has passed, earliest
// first.
func (w *worker) expire(now time.Time) {
	for e := w.idle.Front(); e != nil; e = w.idle.Front() {
		c := e.Value.(*conn)
		if c.deadline.After(now) {
			break
		}
		w.close(c, c.idleError())
		w.finish(c)
	}
}

// rearm submits again what the kernel ended and is still wanted: the
// multishot accept, once any backoff's pause is over, and the recvs that
// found no buffer, once one has come back.
func (w *worker) rearm(now time.Time) {
	if !w.accepting && !w.resume.After(now) {
		w.resume = time.Time{}
		w.accept()
	}
	if !w.recycled || len(w.starved) == 0 {
		return
	}
	starved := w.starved
	w.starved, w.recycled = nil, false
	for _, c := range starved {
		c.recv = recvIdle // starved no more: a buffer is back
		if w.conns[c.fd] == c && !c.closing && !c.eof {
			w.recv(c)
		}
	}
}

// nextTimeout is how long io_uring_enter may wait: until the nearest
// deadline or the end of an accept pause, or 0 (for ever) if there is none.
func (w *worker) nextTimeout() time.Duration {
	var next time.Time
	if e := w.idle.Front(); e != nil {
		next = e.Value.(*conn).deadline
	}
	if !w.resume.IsZero() && (next.IsZero() || w.resume.Before(next)) {
		next = w.resume
	}
	if next.IsZero() {
		return 0
	}
	return max(time.Until(next), time.Microsecond) // past already: look at once
}
