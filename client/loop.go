package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// The open loop of -rate, as an event loop of the child's own: one
// goroutine, one epoll instance, non-blocking sockets, and a timerfd in the
// same epoll set for the schedule. The client must not be what is
// measured, and on one machine it is: the kernel's TCP work for both ends of
// a loopback connection is done in the context of the side that sends, and
// a connect does the whole handshake. What is left to the client to keep
// small is its own part, and the book's C client, one blocking process per
// connection in turn, shows how small: a few system calls per connection
// and the switches of a process that sleeps in each. A goroutine per
// connection on package net adds to that the runtime's netpoller and
// scheduler — another thread woken for each connection made ready, and
// more than twice the system calls (net sets options, asks for both
// addresses, registers and unregisters each descriptor). Here one thread
// does it all and sleeps only when there is nothing to do: per connection
// a socket, a connect, an epoll_ctl, a write, a read or two and a close;
// the epoll_wait and the timer's setting are shared by whatever is ready
// or due at once. This is how load generators built for rates (wrk and
// wrk2 among them) are made.
//
// Time is read from time.Now (the vDSO, no system call) and converted to
// CLOCK_MONOTONIC (clock.go), in which the schedule and the timerfd are
// kept.

// A flight is one connection of the open loop, from its connect to its
// close.
type flight struct {
	fd       int
	slot     int
	due      int64 // CLOCK_MONOTONIC ns: when the schedule wanted it started
	start    int64 // when it did start
	deadline int64 // connect, or the current reply, must be done by then
	sent     int   // requests written
	got      int   // bytes of the current reply read
}

// A timeoutEntry is a flight's deadline when it was set. Every deadline is
// now plus the one timeout, so entries are queued in deadline order; an
// entry whose flight has closed, or has a later deadline since, is stale.
type timeoutEntry struct {
	f        *flight
	deadline int64
}

// loop is -rate's open loop: this child's #loops slots of one schedule of
// rate connections a second, each started when it is due whether or not
// the ones before it have been answered.
func (w *work) loop(t0 int64) {
	sa, family, err := sockaddr(w.c.host, w.c.port)
	if err != nil {
		unp.Err_quit("child %d: %v", w.i, err)
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		unp.Err_sys(err, "child %d: epoll_create1", w.i)
	}
	defer unix.Close(ep)
	// The schedule's timer, edge-triggered in the set. Not w.timer: that
	// one is in the runtime's netpoller too, whose thread it would wake.
	tfd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		unp.Err_sys(err, "child %d: timerfd_create", w.i)
	}
	defer unix.Close(tfd)
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(tfd)}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, tfd, &ev); err != nil {
		unp.Err_sys(err, "child %d: epoll_ctl timerfd", w.i)
	}

	per := 1e9 / w.c.rate
	due := func(j int) int64 { return t0 + int64(float64(w.i+j*w.c.children)*per) }
	timeout := int64(w.c.timeout)
	var (
		flights  = map[int]*flight{} // by descriptor
		queue    []timeoutEntry
		next     int   // this child's next slot to start
		armed    int64 // the timerfd's setting, 0 when unset
		events   = make([]unix.EpollEvent, 256)
		buf      = make([]byte, w.c.nbytes)
		lastSeen = time.Now()
	)
	end := func(f *flight, err error) {
		unix.Close(f.fd)
		delete(flights, f.fd)
		f.fd = -1
		if err != nil {
			w.fail(fmt.Sprintf("connection %d", f.slot), err)
			return
		}
		now := w.now()
		w.done(time.Duration(now-f.due), time.Duration(now-f.start),
			time.Duration(f.start-f.due), w.c.requests)
	}
	send := func(f *flight) error {
		f.deadline = w.now() + timeout
		queue = append(queue, timeoutEntry{f, f.deadline})
		f.got = 0
		if _, err := unix.Write(f.fd, w.req); err != nil {
			return fmt.Errorf("sending request: %w", err)
		}
		f.sent++
		return nil
	}
	// readable reads what has come of the current reply, until the
	// socket has no more (edge-triggered: all of it, now), and sends the
	// next request or ends the flight once the reply is whole.
	readable := func(f *flight) {
		for {
			n, err := unix.Read(f.fd, buf[:w.c.nbytes-f.got])
			switch {
			case err == unix.EAGAIN:
				return
			case err == unix.EINTR:
				continue
			case err != nil:
				end(f, fmt.Errorf("reading reply after %d of %d bytes: %w", f.got, w.c.nbytes, err))
				return
			case n == 0:
				end(f, fmt.Errorf("reading reply after %d of %d bytes: %w", f.got, w.c.nbytes,
					io.ErrUnexpectedEOF))
				return
			}
			if f.got += n; f.got < w.c.nbytes {
				continue
			}
			if f.sent < w.c.requests {
				if err := send(f); err != nil {
					end(f, err)
				}
				return // the next reply comes with a later event
			}
			end(f, nil)
			return
		}
	}
	start := func(j int, dueAt int64) {
		f := &flight{slot: w.i + j*w.c.children, due: dueAt, start: w.now()}
		fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			w.fail(fmt.Sprintf("connection %d", f.slot), fmt.Errorf("socket: %w", err))
			return
		}
		f.fd = fd
		flights[fd] = f
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLET, Fd: int32(fd)}
		if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
			end(f, fmt.Errorf("epoll_ctl: %w", err))
			return
		}
		switch err := unix.Connect(fd, sa); err {
		case nil: // connected at once: send now
			if err := send(f); err != nil {
				end(f, err)
			}
		case unix.EINPROGRESS: // EPOLLOUT says when it is done
			f.deadline = f.start + timeout
			queue = append(queue, timeoutEntry{f, f.deadline})
		default:
			end(f, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", err)})
		}
	}

	for {
		now := w.now()
		for next < w.c.loops && due(next) <= now {
			start(next, due(next))
			next++
		}
		for len(queue) > 0 && (queue[0].f.fd < 0 || queue[0].deadline != queue[0].f.deadline) {
			queue = queue[1:] // stale
		}
		for len(queue) > 0 && queue[0].deadline <= now {
			f := queue[0].f
			queue = queue[1:]
			end(f, os.ErrDeadlineExceeded)
			for len(queue) > 0 && (queue[0].f.fd < 0 || queue[0].deadline != queue[0].f.deadline) {
				queue = queue[1:]
			}
		}
		if next >= w.c.loops && len(flights) == 0 {
			return
		}
		// Sleep until the next slot or the next deadline, unless events
		// are already waiting: the timer is only set when that changes.
		wake := int64(0)
		if next < w.c.loops {
			wake = due(next)
		}
		if len(queue) > 0 && (wake == 0 || queue[0].deadline < wake) {
			wake = queue[0].deadline
		}
		if wake != armed {
			spec := unix.ItimerSpec{Value: unix.NsecToTimespec(wake)}
			if err := unix.TimerfdSettime(tfd, unix.TFD_TIMER_ABSTIME, &spec, nil); err != nil {
				unp.Err_sys(err, "child %d: timerfd_settime", w.i)
			}
			armed = wake
		}
		n, err := unix.EpollWait(ep, events, -1)
		if err != nil && err != unix.EINTR {
			unp.Err_sys(err, "child %d: epoll_wait", w.i)
		}
		for _, e := range events[:max(n, 0)] {
			if int(e.Fd) == tfd {
				// Spent: set it again even for the same time. The
				// clock read through time.Now may be a microsecond
				// behind the kernel's, so the loop can wake to find
				// nothing due yet, and a timer not set again would
				// never fire again.
				armed = 0
				continue
			}
			f := flights[int(e.Fd)]
			if f == nil {
				continue // a flight ended earlier in this batch
			}
			if f.sent == 0 { // connecting: done, one way or the other
				if e.Events&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) == 0 {
					continue
				}
				// EPOLLOUT alone is a connect that succeeded; with
				// EPOLLERR, the error is the socket's SO_ERROR.
				if e.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
					if err := connectResult(f.fd); err != nil {
						end(f, &net.OpError{Op: "dial", Net: "tcp",
							Err: os.NewSyscallError("connect", err)})
						continue
					}
				}
				if err := send(f); err != nil {
					end(f, err)
					continue
				}
			}
			if e.Events&(unix.EPOLLIN|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
				readable(f)
			}
		}
		// A goroutine that goes from system call to system call without
		// passing through the scheduler loses its processor to sysmon in
		// every call once it has done so for 10 ms (unp/sched.go): pass
		// through it now and then.
		if time.Since(lastSeen) > 5*time.Millisecond {
			runtime.Gosched()
			lastSeen = time.Now()
		}
	}
}

// connectResult is the outcome of a non-blocking connect that epoll says
// is over: SO_ERROR, 0 when it succeeded.
func connectResult(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if v != 0 {
		return syscall.Errno(v)
	}
	return nil
}

// now is CLOCK_MONOTONIC, read through time.Now.
func (w *work) now() int64 { return w.clk.toMono(time.Now()) }

// sockaddr resolves host and port once, for every connect of the loop,
// and gives the address family of the socket to connect from.
func sockaddr(host, port string) (unix.Sockaddr, int, error) {
	a, err := net.ResolveTCPAddr("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, 0, err
	}
	if ip4 := a.IP.To4(); ip4 != nil {
		return &unix.SockaddrInet4{Port: a.Port, Addr: [4]byte(ip4)}, unix.AF_INET, nil
	}
	if ip6 := a.IP.To16(); ip6 != nil {
		return &unix.SockaddrInet6{Port: a.Port, Addr: [16]byte(ip6)}, unix.AF_INET6, nil
	}
	return nil, 0, errors.New("no address for " + host)
}
