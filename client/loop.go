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

// The open loop of -rate and the held connections of -conns, as an event
// loop of the child's own: one goroutine, one epoll instance, non-blocking
// sockets, and a timerfd in the same epoll set for the schedule. The client
// must not be what is measured, and on one machine it is: the kernel's TCP
// work for both ends of a loopback connection is done in the context of
// the side that sends, and a connect does the whole handshake. What is
// left to the client to keep small is its own part, and the book's C
// client, one blocking process per connection in turn, shows how small: a
// few system calls per connection and the switches of a process that
// sleeps in each. A goroutine per connection on package net adds to that
// the runtime's netpoller and scheduler — another thread woken for each
// connection made ready, and more than twice the system calls (net sets
// options, asks for both addresses, registers and unregisters each
// descriptor) — and a schedule kept by one goroutine waking the others
// adds a switch per request. Here one thread does it all and sleeps only
// when there is nothing to do: per connection a socket, a connect, an
// epoll_ctl, a write, a read or two and a close; per request on a held
// connection a write and a read; the epoll_wait and the timer's setting
// are shared by whatever is ready or due at once. This is how load
// generators built for rates (wrk and wrk2 among them) are made.
//
// Time is read from time.Now (the vDSO, no system call) and converted to
// CLOCK_MONOTONIC (clock.go), in which the schedule and the timerfd are
// kept.

// A flight is one connection, from its connect to its close.
type flight struct {
	fd       int
	slot     int    // -rate: its slot in the schedule; -conns: its global index
	m        int    // -conns: its index among this child's
	due      int64  // CLOCK_MONOTONIC ns: when the schedule wanted it (-rate) or its request (-conns) started
	start    int64  // when the connection started
	sent     int64  // when the current request was sent
	prevEnd  int64  // -conns: when its last reply ended
	deadline int64  // the connect, or the current reply, must be done by then
	open     bool   // connected
	busy     bool   // a request is out
	requests int    // requests sent
	cur      int    // -conns: the number of the request out, or next
	got      int    // bytes of the current reply read
	total    int    // -http: the current reply's length, head and body, once its head is in
	head     []byte // -http: the head read so far, when it came in more than one read
}

// A timeoutEntry is a flight's deadline when it was set. Every deadline is
// a time read then plus the one timeout, so entries are queued in deadline
// order; an entry whose flight has ended, or has a later deadline since,
// is stale.
type timeoutEntry struct {
	f        *flight
	deadline int64
}

// An evloop is one child's event loop: the machinery that the open loop
// and the held connections share.
type evloop struct {
	w       *work
	sa      unix.Sockaddr
	family  int
	ep, tfd int
	armed   int64 // the timerfd's setting, 0 when spent or unset
	events  []unix.EpollEvent
	buf     []byte // replies are read into it and dropped
	flights map[int]*flight
	queue   []timeoutEntry
	timeout int64
	yielded time.Time // when the loop last passed through the scheduler
}

func (w *work) newEvloop() *evloop {
	l := &evloop{w: w, events: make([]unix.EpollEvent, 256), buf: replyBuffer(w.c.http, w.c.nbytes),
		flights: map[int]*flight{}, timeout: int64(w.c.timeout), yielded: time.Now()}
	var err error
	if l.sa, l.family, err = sockaddr(w.c.host, w.c.port); err != nil {
		unp.Err_quit("child %d: %v", w.i, err)
	}
	if l.ep, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		unp.Err_sys(err, "child %d: epoll_create1", w.i)
	}
	// The schedule's timer, edge-triggered in the set. Not w.timer: that
	// one is in the runtime's netpoller too, whose thread it would wake.
	if l.tfd, err = unix.TimerfdCreate(unix.CLOCK_MONOTONIC,
		unix.TFD_NONBLOCK|unix.TFD_CLOEXEC); err != nil {
		unp.Err_sys(err, "child %d: timerfd_create", w.i)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLET, Fd: int32(l.tfd)}
	if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, l.tfd, &ev); err != nil {
		unp.Err_sys(err, "child %d: epoll_ctl timerfd", w.i)
	}
	return l
}

func (l *evloop) close() {
	for _, f := range l.flights {
		unix.Close(f.fd)
	}
	unix.Close(l.tfd)
	unix.Close(l.ep)
}

// dial starts f's connect. A connect that fails at once is returned; one
// in progress is finished by connected when epoll says so.
func (l *evloop) dial(f *flight) error {
	// Until it has a socket, f has no descriptor: a flight's zero value
	// would name descriptor 0, and its end would close whatever holds
	// that number now (a socket of another flight, once standard input is
	// gone). A socket(2) that fails for want of descriptors, as an open
	// loop past a server's knee runs out of them, must end nothing.
	f.start, f.fd = l.w.now(), -1
	fd, err := unix.Socket(l.family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	f.fd = fd
	l.flights[fd] = f
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLET, Fd: int32(fd)}
	if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("epoll_ctl: %w", err)
	}
	switch err := unix.Connect(fd, l.sa); err {
	case nil:
		f.open, f.deadline = true, 0
	case unix.EINPROGRESS: // EPOLLOUT says when it is over
		l.setDeadline(f, f.start)
	default:
		return dialError(err)
	}
	return nil
}

// connected finishes f's connect, which epoll says is over: EPOLLOUT alone
// is a connect that succeeded; with EPOLLERR, SO_ERROR says what failed.
func (l *evloop) connected(f *flight, events uint32) error {
	if events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 {
		v, err := unix.GetsockoptInt(f.fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err == nil && v != 0 {
			err = syscall.Errno(v)
		}
		if err != nil {
			return dialError(err)
		}
	}
	f.open, f.deadline = true, 0 // no deadline while it waits for a request
	return nil
}

// connectedLate finishes, as connected does, a connect of f that no
// event has said is over and that is done all the same: its socket has a
// peer. It reports whether it was. Looked at when the connect's deadline
// passes, it keeps a missed event from timing out a connection that is up.
func (l *evloop) connectedLate(f *flight) bool {
	if f.open {
		return false
	}
	if _, err := unix.Getpeername(f.fd); err != nil {
		return false
	}
	l.connected(f, 0)
	return true
}

func dialError(err error) error {
	return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", err)}
}

// send writes f's next request.
func (l *evloop) send(f *flight) error {
	f.sent = l.w.now()
	l.setDeadline(f, f.sent)
	f.got, f.total, f.busy = 0, 0, true
	if _, err := unix.Write(f.fd, l.w.req); err != nil {
		return fmt.Errorf("sending request: %w", err)
	}
	f.requests++
	return nil
}

func (l *evloop) setDeadline(f *flight, from int64) {
	f.deadline = from + l.timeout
	l.queue = append(l.queue, timeoutEntry{f, f.deadline})
}

// reply reads what has come of f's current reply, until the socket has no
// more (edge-triggered: all of it, now). It reports whether the reply is
// whole; a short or failed one is an error.
func (l *evloop) reply(f *flight) (bool, error) {
	if l.w.c.http {
		return l.replyHTTP(f)
	}
	n := l.w.c.nbytes
	for {
		k, err := l.readReply(f, n-f.got, n)
		if k == 0 {
			return false, err // nothing more yet, or the reply failed
		}
		if f.got += k; f.got == n {
			f.busy, f.deadline = false, 0
			return true, nil
		}
	}
}

// replyHTTP is reply with -http: the head, judged by replyHead, then the
// body. The loop's one buffer serves every flight, so a head that comes in
// pieces (rarely: a hundred bytes or so, sent in one write) is kept in
// the flight until it is whole.
func (l *evloop) replyHTTP(f *flight) (bool, error) {
	n := l.w.c.nbytes
	for {
		want := len(l.buf)
		if f.total > 0 {
			want = f.total - f.got
		}
		k, err := l.readReply(f, want, max(f.total, f.got))
		if k == 0 {
			return false, err // nothing more yet, or the reply failed
		}
		f.got += k
		if f.total == 0 {
			data := l.buf[:k]
			if len(f.head) > 0 {
				f.head = append(f.head, data...)
				data = f.head
			}
			if f.total, err = replyHead(data, n); err != nil {
				return false, err
			}
			if f.total == 0 && len(f.head) == 0 {
				f.head = append(f.head, data...)
			}
			if f.total > 0 {
				f.head = f.head[:0]
			}
		}
		switch {
		case f.total > 0 && f.got > f.total:
			return false, fmt.Errorf("HTTP reply: %d bytes after its body", f.got-f.total)
		case f.total > 0 && f.got == f.total:
			f.busy, f.deadline = false, 0
			return true, nil
		}
	}
}

// readReply reads up to want bytes of f's reply into the loop's buffer and
// returns how many came: 0 with no error when none is there yet (EAGAIN),
// 0 with an error naming how much of total had come when the read failed
// or the server closed first.
func (l *evloop) readReply(f *flight, want, total int) (int, error) {
	for {
		k, err := unix.Read(f.fd, l.buf[:want])
		switch {
		case err == unix.EAGAIN:
			return 0, nil
		case err == unix.EINTR:
			continue
		case err == nil && k == 0:
			err = io.ErrUnexpectedEOF
		case err == nil:
			return k, nil
		}
		return 0, fmt.Errorf("reading reply after %d of %d bytes: %w", f.got, total, err)
	}
}

// end closes f, if it has a socket.
func (l *evloop) end(f *flight) {
	if f.fd < 0 {
		return
	}
	unix.Close(f.fd)
	delete(l.flights, f.fd)
	f.fd = -1
}

// expired pops the flights whose deadline has passed, oldest first.
func (l *evloop) expired(now int64) []*flight {
	var out []*flight
	for len(l.queue) > 0 {
		e := l.queue[0]
		switch {
		case e.f.fd < 0 || e.deadline != e.f.deadline: // stale
		case e.deadline <= now:
			out = append(out, e.f)
		default:
			return out
		}
		l.queue = l.queue[1:]
	}
	return out
}

// wait sleeps until an event, or until wake (CLOCK_MONOTONIC ns; 0 for no
// time), or the next deadline, whichever is first, and returns the events
// of the flights.
func (l *evloop) wait(wake int64) []unix.EpollEvent {
	l.schedPoint()
	for len(l.queue) > 0 && (l.queue[0].f.fd < 0 || l.queue[0].deadline != l.queue[0].f.deadline) {
		l.queue = l.queue[1:]
	}
	if len(l.queue) > 0 && (wake == 0 || l.queue[0].deadline < wake) {
		wake = l.queue[0].deadline
	}
	// The timer is set only when the time changes, or when it has fired:
	// the clock read through time.Now may be a microsecond behind the
	// kernel's, so the loop can wake to find nothing due yet, and a timer
	// not set again would never fire again.
	if wake != l.armed {
		spec := unix.ItimerSpec{Value: unix.NsecToTimespec(wake)}
		if err := unix.TimerfdSettime(l.tfd, unix.TFD_TIMER_ABSTIME, &spec, nil); err != nil {
			unp.Err_sys(err, "child %d: timerfd_settime", l.w.i)
		}
		l.armed = wake
	}
	n, err := unix.EpollWait(l.ep, l.events, -1)
	if err != nil && err != unix.EINTR {
		unp.Err_sys(err, "child %d: epoll_wait", l.w.i)
	}
	evs := l.events[:max(n, 0)]
	for i := 0; i < len(evs); i++ {
		if int(evs[i].Fd) == l.tfd {
			l.armed = 0
			evs = append(evs[:i], evs[i+1:]...)
			i--
		}
	}
	return evs
}

// schedPoint takes the loop's goroutine through the Go scheduler
// (runtime.Gosched) if it has not been there for 5 ms, half of the
// runtime's forcePreemptNS, as the servers' pools do (unp/sched.go). A
// goroutine that goes from system call to system call without passing
// through the scheduler looks like a hog to sysmon once it has done so
// for 10 ms, and from then on sysmon takes its processor in every call it
// finds it in. Here that costs more than the CPU it costs a server. To
// take the processor, sysmon holds the goroutine's status for a moment; a
// loop coming back from epoll_wait in that moment spins until it is let
// go (sched_yield between tries). At real-time priority, on the CPU where
// sysmon, of ordinary priority, was interrupted holding it, the loop
// spins and sysmon waits for the CPU the loop holds, until the kernel's
// real-time throttling gives ordinary threads their share of the second:
// the schedule stops for most of a second, as a client without these
// yields was seen to do.
//
// The yield has a price of its own, paid here and not on waking: the
// goroutine is locked to its thread (-realtime), and a locked goroutine
// that yields stops its thread and hands its processor to another of the
// runtime's threads, of ordinary priority, which must be scheduled before
// it can hand the goroutine back. wait calls it before it sleeps, when
// what was due has been started, so that the round trip comes out of the
// time to the next start, not out of the next start; a load so dense
// that the next start is already due pays it there.
func (l *evloop) schedPoint() {
	if time.Since(l.yielded) < 5*time.Millisecond {
		return
	}
	runtime.Gosched()
	l.yielded = time.Now()
}

// loop is -rate's open loop: this child's #loops slots of one schedule of
// rate connections a second, each started when it is due whether or not
// the ones before it have been answered.
func (w *work) loop(t0 int64) {
	l := w.newEvloop()
	defer l.close()
	per := 1e9 / w.c.rate
	due := func(j int) int64 { return t0 + int64(float64(w.i+j*w.c.children)*per) }
	fail := func(f *flight, err error) {
		l.end(f)
		w.fail(fmt.Sprintf("connection %d", f.slot), err)
	}
	// answered goes on with f once a reply is whole: its next request,
	// or its end.
	answered := func(f *flight) {
		if f.requests < w.c.requests {
			if err := l.send(f); err != nil {
				fail(f, err)
			}
			return
		}
		l.end(f)
		now := w.now()
		w.done(time.Duration(now-f.due), time.Duration(now-f.start),
			time.Duration(f.start-f.due), w.c.requests)
	}
	next := 0 // this child's next slot
	for {
		now := w.now()
		for ; next < w.c.loops && due(next) <= now; next++ {
			f := &flight{fd: -1, slot: w.i + next*w.c.children, due: due(next)}
			if err := l.dial(f); err != nil {
				fail(f, err)
			} else if f.open {
				if err := l.send(f); err != nil {
					fail(f, err)
				}
			}
		}
		for _, f := range l.expired(now) {
			if l.connectedLate(f) {
				if err := l.send(f); err != nil {
					fail(f, err)
				}
				continue
			}
			fail(f, os.ErrDeadlineExceeded)
		}
		if next >= w.c.loops && len(l.flights) == 0 {
			return
		}
		wake := int64(0)
		if next < w.c.loops {
			wake = due(next)
		}
		for _, e := range l.wait(wake) {
			f := l.flights[int(e.Fd)]
			if f == nil {
				continue // ended earlier in this batch
			}
			if !f.open {
				if e.Events&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) == 0 {
					continue
				}
				if err := l.connected(f, e.Events); err != nil {
					fail(f, err)
					continue
				}
				if err := l.send(f); err != nil {
					fail(f, err)
					continue
				}
			}
			if f.busy && e.Events&(unix.EPOLLIN|unix.EPOLLERR|unix.EPOLLHUP) != 0 {
				switch whole, err := l.reply(f); {
				case err != nil:
					fail(f, err)
				case whole:
					answered(f)
				}
			}
		}
	}
}

// realtimeLoop puts the event loop's thread, and it alone, at the lowest
// real-time priority, SCHED_FIFO 1 (-realtime): the goroutine that runs
// the loop is locked to it. On the machine it loads, a client of ordinary
// priority that wakes for its next slot waits for a time slice behind the
// server's runnable processes, and starts its connections late; at
// real-time priority it runs as soon as its timer fires. The runtime's
// other threads keep their usual priority: they wait for one another in
// places by spinning, trusting the kernel to share the CPU, and with every
// thread of the client at one real-time priority that was seen to go
// wrong both ways, under FIFO a client spinning for good once its load was
// done, under round-robin a schedule held up a 100 ms slice at a time.
// Where the priority may not be raised (EPERM: neither CAP_SYS_NICE nor an
// RLIMIT_RTPRIO of 1), it says so and goes on at its usual one.
func realtimeLoop(i int) {
	runtime.LockOSThread() // never unlocked: the loop runs here to the end
	attr := unix.SchedAttr{Policy: unix.SCHED_FIFO, Priority: 1}
	if err := unix.SchedSetAttr(0, &attr, 0); err != nil {
		unp.Err_msg("child %d: the event loop runs at its usual priority: sched_setattr "+
			"SCHED_FIFO 1: %v", i, err)
	}
}

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

// now is CLOCK_MONOTONIC, read through time.Now.
func (w *work) now() int64 { return w.clk.toMono(time.Now()) }
