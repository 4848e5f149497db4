// See UNPv1 3e, section 30.6, Figures 30.9-30.11 (server/serv02.c), with
// io_uring(7) (Linux 5.1; multishot accept and provided buffer rings, 5.19;
// multishot recv, 6.0; DEFER_TASKRUN, 6.1) in place of serv10-epoll's epoll
// set: the design the book's count of system calls does not reach.

// Serv12-uring is serv10-epoll with one change: each child's event loop is
// a ring, not an epoll set. The parent creates the listening socket and
// #children children, as serv10's does; each child sets up one io_uring
// instance and never again makes a system call to accept, read, write or
// close: it writes requests for them into the ring (a multishot accept on
// the listener, a multishot recv on each connection into buffers it lends
// the kernel, a send of each reply, a close) and sleeps in io_uring_enter
// until some have completed. The protocol, its limits and its errors are
// web_child's, HTTP included (unp.NextRequest). How a connection goes
// through the ring, and what the design showed, is in beyond/README.md.
//
// Cost. A connection makes no system call of its own: its accept, its
// reads, its send and its close are entries in the ring, and the child's
// one system call is io_uring_enter, once per turn of the loop, submitting
// and reaping whatever has gathered since the last. A connection's steps
// wait on one another (accepted, request read, reply sent, EOF read), so a
// lone client still takes four turns, where serv10 makes nine calls; with
// many clients, one turn carries the steps of many connections, and the
// count per connection falls below one. The work of the calls is not gone:
// the kernel does it on the child's thread. Only a failure costs calls of
// its own: a getsockopt for the peer's name to log, and a send(2) of bad
// HTTP's status. An idle connection holds its state and an 8 KB request
// buffer, and no read buffer: the buffers the kernel reads into are the
// child's, lent to whichever connection has data.
//
// The Go runtime. The kernel answers only the thread that set the ring up
// (SINGLE_ISSUER), and the runtime moves a goroutine between threads at
// will, so each child locks its one goroutine to its OS thread first. That
// thread waits in io_uring_enter, never in the netpoller: to the runtime,
// a goroutine in a long system call, as serv10's is in epoll_wait.
//
// Failure mode. As serv10's: a child is a single point of failure for all
// its connections; one that dies resets them all, and the parent starts
// another in its slot. Worse: on the shared listener, the child whose
// accept waited first is woken for every connection, so one child serves
// everyone, and stopped (SIGSTOP, a debugger) or merely slow, it stalls
// every new client; with -reuseport, only its share waits, as in serv09.
//
// Kernels. The child needs provided buffer rings (Linux 5.19) and
// multishot recv (6.0), and takes the newest setup flags offered (6.1's
// SINGLE_ISSUER and DEFER_TASKRUN first). Where the kernel or a seccomp
// filter refuses io_uring, or the kernel is older than 5.19, the parent
// exits with one line before it forks; on 5.19 every connection ends at
// its first recv (EINVAL).
//
// Usage:
//
//	serv12-uring [ -reuseport ] [ <host> ] <port#> <#children>
//
// -reuseport gives each child a listener of its own in the port's
// SO_REUSEPORT group (serv09's change). Each child prints "child PID
// starting (io_uring: FLAGS)". Ctrl-C (SIGINT) or SIGTERM terminates and
// reaps every child, prints "child I, N connections" for each slot, then
// "user time = U, sys time = S", and exits.
package main

import (
	"os"
	"runtime"

	"unp-go.dev/unp"
)

const usage = "serv12-uring [ -reuseport ] [ <host> ] <port#> <#children>"

var (
	listenfd  int           // the listener; with -reuseport, bound and not listening
	reuseport bool          // -reuseport: a listener per child
	meter     *unp.Meter    // per-child connection counts, in shared memory
	pids      *unp.Children // the book's pids array
)

func main() {
	if _, args, ok := unp.Child(); ok {
		child_main(args) // never returns
	}
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "-reuseport" {
		reuseport, args = true, args[1:]
	}
	host, serv, nchildren := unp.PoolArgs(args, usage)
	runtime.LockOSThread()        // SINGLE_ISSUER: a ring answers its own thread only
	ring, bufs, err := openRing() // can this kernel, and this process, have one?
	if err != nil {
		unp.Err_sys(err, "io_uring")
	}
	bufs.Close()
	ring.Close()
	runtime.UnlockOSThread()
	if reuseport {
		listenfd = unp.ReusePortBind(host, serv) // holds the port: see serv09
	} else {
		listenfd = unp.Tcp_listen(host, serv)
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
