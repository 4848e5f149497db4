package main

import (
	"container/list"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// child_make starts the child for slot i and returns its PID: the book's
// child_make. The child inherits the listening socket as descriptor
// ChildFd(0) and the meter as ChildFd(1), and is told the registration.
func child_make(i int) (int, error) {
	mode := "plain"
	if exclusive {
		mode = "exclusive"
	}
	return unp.Fork("child", []string{strconv.Itoa(i), mode}, listenfd, meter.Fd())
}

// A worker is one child's event loop: its epoll set, its connections by
// descriptor, and their deadlines, earliest first.
type worker struct {
	slot     int
	epfd     int
	listenfd int
	listenev uint32 // the listening socket's events: EPOLLIN, maybe EPOLLEXCLUSIVE
	meter    *unp.Meter
	conns    []*conn    // by descriptor
	idle     *list.List // of *conn, by deadline
	timeout  time.Duration
	backoff  unp.Backoff
	resume   time.Time // while accept is paused by the backoff, when to resume
}

// child_main is the life of a child: the event loop, forever. Where
// serv02's child sleeps in accept or in one connection's read, this one
// sleeps in epoll_wait on all of them at once, and every descriptor it
// touches is non-blocking.
func child_main(args []string) {
	w := &worker{
		slot:     unp.PoolChild(args),
		listenfd: unp.ChildFd(0),
		listenev: unix.EPOLLIN, // level-triggered: one accept per wake-up
		meter:    unp.OpenMeter(unp.ChildFd(1)),
		idle:     list.New(),
		backoff:  unp.Backoff{What: "accept"},
	}
	if len(args) > 1 && args[1] == "exclusive" {
		w.listenev |= unix.EPOLLEXCLUSIVE
	}
	w.timeout, _ = unp.IdleTimeout() // the parent's Tcp_listen checked it
	var err error
	if w.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		unp.Err_sys(err, "epoll_create1")
	}
	w.watchListener()

	fmt.Printf("child %d starting\n", os.Getpid())
	events := make([]unix.EpollEvent, 128)
	for {
		n, err := unix.EpollWait(w.epfd, events, w.nextTimeout())
		if err == unix.EINTR {
			continue
		} else if err != nil {
			unp.Err_sys(err, "epoll_wait")
		}
		for _, ev := range events[:n] {
			if fd := int(ev.Fd); fd == w.listenfd {
				w.accept()
			} else if c := w.conns[fd]; c != nil {
				c.rdhup = c.rdhup || ev.Events&(unix.EPOLLRDHUP|unix.EPOLLHUP) != 0
				w.serve(c)
			}
		}
		w.expire(time.Now())
	}
}

// watchListener adds the listening socket to the epoll set.
func (w *worker) watchListener() {
	ev := unix.EpollEvent{Events: w.listenev, Fd: int32(w.listenfd)}
	if err := unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, w.listenfd, &ev); err != nil {
		unp.Err_sys(err, "epoll_ctl: listening socket")
	}
}

// accept takes one connection, if a sibling has not taken it first, and
// adds it to the epoll set, edge-triggered: the loop reads and writes until
// EAGAIN and is told only of what changes after that.
//
// An accept that fails for want of a resource (EMFILE) fails again at once,
// the connection still queued and the listener still readable. Sleeping
// would stall every connection of this child, so the listener leaves the
// epoll set for the backoff's pause instead, and the loop serves on:
// nginx's way.
func (w *worker) accept() {
	connfd, cliaddr, err := unp.AcceptNonblock(w.listenfd)
	if err == unix.EAGAIN {
		return // a sibling won it: the herd's wasted wake-up
	}
	if err != nil {
		w.resume = time.Now().Add(w.backoff.Failed(err))
		unix.EpollCtl(w.epfd, unix.EPOLL_CTL_DEL, w.listenfd, nil)
		return
	}
	w.backoff.Succeeded()
	w.meter.Add(w.slot)

	c := &conn{fd: connfd, peer: cliaddr}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET,
		Fd: int32(connfd)}
	if err := unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, connfd, &ev); err != nil {
		unp.Err_msg("%s: epoll_ctl: %v", unp.Sock_ntop(cliaddr), err)
		unp.Close(connfd)
		return
	}
	for connfd >= len(w.conns) {
		w.conns = append(w.conns, nil)
	}
	w.conns[connfd] = c
	c.elem = w.idle.PushBack(c)
	c.deadline = time.Now().Add(w.timeout)
}

// serve moves a connection on as far as it goes without blocking, and
// closes it if it is done.
func (w *worker) serve(c *conn) {
	progress, err := c.step()
	if progress {
		c.deadline = time.Now().Add(w.timeout) // later than any other: to the back
		w.idle.MoveToBack(c.elem)
	}
	if err != nil {
		w.close(c, err)
	}
}

// close ends a connection; err is errDone for a client that said goodbye,
// and anything else is logged with the peer's address, as web_child's
// callers do. Closing the descriptor also takes it out of the epoll set.
func (w *worker) close(c *conn, err error) {
	if err != errDone {
		unp.Err_msg("%s: %v", unp.Sock_ntop(c.peer), err)
	}
	w.idle.Remove(c.elem)
	w.conns[c.fd] = nil
	unp.Close(c.fd)
}

// expire closes every connection whose deadline has passed, earliest
// first, and resumes accepting when a backoff's pause is over.
func (w *worker) expire(now time.Time) {
	for e := w.idle.Front(); e != nil; e = w.idle.Front() {
		c := e.Value.(*conn)
		if c.deadline.After(now) {
			break
		}
		w.close(c, c.idleError())
	}
	if !w.resume.IsZero() && !w.resume.After(now) {
		w.resume = time.Time{}
		w.watchListener()
	}
}

// nextTimeout is epoll_wait's timeout in milliseconds: until the nearest
// deadline or the end of an accept pause, or -1 (forever) if there is none.
func (w *worker) nextTimeout() int {
	var next time.Time
	if e := w.idle.Front(); e != nil {
		next = e.Value.(*conn).deadline
	}
	if !w.resume.IsZero() && (next.IsZero() || w.resume.Before(next)) {
		next = w.resume
	}
	if next.IsZero() {
		return -1
	}
	d := time.Until(next)
	return int(max(0, (d+time.Millisecond-1)/time.Millisecond)) // round up: never wake early
}
