// See UNPv1 3e, section 30.6, Figures 30.9-30.11 (server/serv02.c), with
// epoll(7) (Linux 2.6; EPOLLEXCLUSIVE, Linux 4.5) in place of the blocking
// web_child: nginx's worker model, which the book predates.

// Serv10-epoll is serv02-prefork with one change: each child serves many
// connections at once instead of one. The parent creates the one listening
// socket and #children children, as serv02's does; each child has an epoll
// set of its own, holding the shared listening socket and every connection
// the child has accepted, all non-blocking, and runs a loop: wait for
// events, accept, and move each ready connection's small state machine
// (reading a request, writing its reply, closed) as far as it will go
// without blocking. The protocol, its limits and its errors are web_child's,
// HTTP included: the same parser, unp.NextRequest, fed what is buffered.
//
// Design. A connection no longer costs a process (serv01, serv02) or a
// thread (serv06, serv07): it costs a descriptor and a few KB of state in
// a child, so a few children, one per core, serve thousands of clients,
// however slow. This is nginx: worker processes, one event loop each, the
// listening sockets inherited from the master.
//
// The herd, in a new form (section 30.6). A process asleep in accept(2)
// is woken alone (serv02). A process asleep in epoll_wait on a set holding
// the listening socket is woken like a child in the select of child02l.c
// (the book's select-collision experiment, serv02's -select): every child
// that registered the socket plainly wakes for each connection, one accept wins,
// and the others get EAGAIN and go back to sleep. With -exclusive, the
// children register it with EPOLLEXCLUSIVE, and the kernel wakes one child
// that is waiting. Which one is visible in the per-child counts: the
// socket's wait queue is walked from the first child that registered, so
// the first idle child in that order is woken, and under light load one
// child takes nearly every connection. A respawned child registers last.
//
// The shared O_NONBLOCK. A child must never block in accept: another child
// may have taken the connection it was woken for, and a blocked loop
// stalls every connection it serves. accept4's SOCK_NONBLOCK makes the
// accepted socket non-blocking, not the accept, and Linux has no
// MSG_DONTWAIT for accept; so the parent puts the listening socket itself in
// O_NONBLOCK mode before the first fork. That flag belongs to the open file
// description every child shares (the CONTRACT.md trap that breaks serv02 if
// a child sets it), which is harmless here because every process that
// shares it is a child of this design and wants it. The idle timeout is
// the loop's own, not unp's, a deadline per connection kept in the order it
// runs out, and epoll_wait's timeout is the nearest one; SO_RCVTIMEO and
// SO_SNDTIMEO do nothing to a non-blocking socket.
//
// Cost. The book's five system calls per connection (accept, read, write,
// read for EOF, close) gain four: an epoll_wait that reports the
// connection, an epoll_ctl that adds it, and an epoll_wait before each of
// the two reads, fewer under load, when one epoll_wait reports many
// events. With the herd, every other idle child also pays an epoll_wait and
// a failed accept per connection. A connection's state is an 8 KB request
// buffer (an HTTP head may be that long; the book's line, 4 KB) and a few
// words.
//
// Failure mode. A child is now a single point of failure for all its
// connections: one that dies (a bug, the OOM killer) resets them all, where
// serv02's takes one with it; and a request that made the loop compute for
// long would stall every client of that child. The parent reaps a dead
// child and starts another in its slot (unp.Children).
//
// Usage:
//
//	serv10-epoll [ -exclusive ] [ <host> ] <port#> <#children>
//
// -exclusive registers the listening socket with EPOLLEXCLUSIVE. Each child
// prints "child PID starting". Ctrl-C (SIGINT) or SIGTERM terminates and
// reaps every child, prints "child I, N connections" for each slot, then
// "user time = U, sys time = S", and exits.
package main

import (
	"os"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

const usage = "serv10-epoll [ -exclusive ] [ <host> ] <port#> <#children>"

var (
	listenfd  int
	exclusive bool          // -exclusive: EPOLLEXCLUSIVE on the listening socket
	meter     *unp.Meter    // per-child connection counts, in shared memory
	pids      *unp.Children // the book's pids array
)

func main() {
	if _, args, ok := unp.Child(); ok {
		child_main(args) // never returns
	}
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "-exclusive" {
		exclusive, args = true, args[1:]
	}
	host, serv, nchildren := unp.PoolArgs(args, usage)
	listenfd = unp.Tcp_listen(host, serv)
	if err := unix.SetNonblock(listenfd, true); err != nil { // for every child: see above
		unp.Err_sys(err, "listening socket: O_NONBLOCK")
	}

	meter = unp.NewMeter(nchildren)
	sigfd := unp.SignalPipe() // before the first fork: no SIGCHLD is missed
	pids = unp.Prefork(nchildren, child_make)
	unp.Ready(listenfd)

	pids.Pause(sigfd, sig_int) // everything done by children
}

// sig_int terminates all children, waits for them, prints how many
// connections each slot served and the CPU time of parent and children.
func sig_int() {
	pids.Terminate()
	meter.Print()
	unp.Pr_cpu_time()
}
