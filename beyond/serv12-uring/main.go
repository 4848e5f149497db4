// See UNPv1 3e, section 30.6, Figures 30.9-30.11 (server/serv02.c), with
// io_uring(7) (Linux 5.1; multishot accept and provided buffer rings, 5.19;
// multishot recv, 6.0; DEFER_TASKRUN, 6.1) in place of serv10-epoll's epoll
// set: the design the book's count of system calls does not reach.

// Serv12-uring is serv10-epoll with one change: each child's event loop is
// a ring, not an epoll set. The parent creates the listening socket and
// #children children, as serv10's does; each child sets up one io_uring
// instance on one locked OS thread and never again makes a system call to
// accept, read, write or close: it writes requests for them into the ring
// and sleeps in io_uring_enter until some have completed. The protocol, its
// limits and its errors are web_child's, HTTP included (unp.NextRequest).
//
// Submission and completion. A submission is a 64-byte entry (SQE) that
// the child writes at the tail of a queue it shares with the kernel: an
// operation, a descriptor, a buffer, and 64 bits of the child's own (here
// the descriptor and what the request was). A completion is a 16-byte
// entry (CQE) that the kernel writes at the tail of a second queue: those
// 64 bits, the result the system call would have returned (a count, a
// descriptor, or -errno), and flags. Neither side makes a system call to
// read or write the queues; io_uring_enter(2) tells the kernel that there
// are new submissions and waits for completions, as many of each as there
// are. A multishot request goes on completing: the child submits one
// accept, and gets a CQE for each connection; one recv per connection, and
// gets a CQE for each read, in a buffer the kernel takes from a ring of
// buffers the child lends it (a provided buffer ring), so that an idle
// connection holds no buffer. A CQE without IORING_CQE_F_MORE ends the
// request: the client's EOF, an error, or ENOBUFS when no buffer was free;
// the child submits it again if it is still wanted. The reply is a send from
// the static result buffer; a short send is followed by one for the rest.
// Closing is a request too, submitted once the connection has nothing in
// flight (a request holds the socket open, and closing the descriptor does
// not cancel it: the child cancels first).
//
// Cost: what becomes of the count of system calls. Every other design pays
// at least the book's five per connection, accept, read, write, read for
// EOF, close, and adds its own (serv10: an epoll_ctl, and an epoll_wait
// before the accept and each read, nine in all). Here a connection makes no
// system call of its own: its accept, its reads, its send and its close
// are SQEs and CQEs, and the system calls are the child's io_uring_enter,
// one per turn of the loop, each submitting and reaping whatever has
// gathered since the last. A connection's steps wait on one another
// (accepted, request read, reply sent, EOF read), so with one client at a
// time each takes a turn of its own: four enters for the nine calls of
// serv10. With many clients, one turn carries the steps of many
// connections, and the count per connection falls towards a fraction of
// one. The work of the calls is not gone: the kernel does it on this
// thread, inside io_uring_enter (with DEFER_TASKRUN) or on its way back
// to user space. And one call comes back on the error path alone: a
// multishot accept has no buffer for each connection's address, so a
// child that has something to say about a connection asks whom it was with
// then (unp.PeerName, getsockopt SO_PEERNAME, which answers even after a
// reset). Memory: the provided buffers are the child's, not the
// connections', so an idle connection costs its state (an 8 KB request
// buffer, room for an HTTP head) and no read buffer. Bad HTTP hears its
// status from one send(2) of the loop's own, MSG_DONTWAIT, outside the
// ring: a few bytes on a connection about to close.
//
// What the Go runtime does to a ring. The child's one goroutine locks its
// OS thread (runtime.LockOSThread) before it sets up the ring: with
// SINGLE_ISSUER the kernel answers EEXIST to an enter or a register from
// any other thread, and the runtime moves an unlocked goroutine between
// threads when it likes; with DEFER_TASKRUN the kernel runs completions
// only in that thread's enter. The
// thread never parks in the runtime's netpoller: to the runtime it is a
// goroutine in a long system call, like serv10's in epoll_wait, whose
// processor sysmon may hand to another thread while it waits (the spare
// processor and the scheduling point of unp's sched.go apply as in every
// pooled child). The memory the kernel reads and writes while a request is
// in flight is never the Go heap's to move: the rings and the buffers are
// mmaps, the reply is a global.
//
// The child tries the newest setup flags first, SINGLE_ISSUER and
// DEFER_TASKRUN with COOP_TASKRUN (6.1), then COOP_TASKRUN alone (5.19),
// then none, and says which it got in its start line. The parent sets up a
// ring once before it forks, and exits with one line if the kernel or a
// seccomp filter refuses io_uring (ENOSYS, EPERM) or lacks provided buffer
// rings (before 5.19); multishot recv needs Linux 6.0.
//
// The shared listener: one child serves everyone. The kernel's accept on
// a ring waits exclusively, as epoll's EPOLLEXCLUSIVE does (one waiter
// woken per connection), and a multishot accept keeps its place in the
// socket's wait queue from one connection to the next. So the child whose
// accept waited first is woken for every connection and accepts all that
// are queued, whether it is idle or busy, and its siblings are never woken
// (serv12.txtar shows the counts: one child, everything). Epoll skips a
// child that is not waiting in epoll_wait; the ring's wake-up is claimed
// by the request, not by a sleeping process. A one-shot accept, submitted
// again after each connection, leaves the queue when it is woken and joins
// it again at the tail, and so spreads the connections over the children,
// for an SQE per connection; this design keeps the multishot accept of
// liburing's example server, to show what it does to a pool of processes.
// -reuseport gives each child a listener of its own in the port's
// SO_REUSEPORT group instead (serv09's change, on the ring): the kernel's
// hash chooses the child, as the liburing and Seastar servers shard.
//
// The idle timeout is the loop's own, as serv10's: a deadline per
// connection, and the nearest one is io_uring_enter's timeout
// (IORING_ENTER_EXT_ARG). An accept that fails for want of a resource
// (EMFILE ends the multishot accept) is submitted again after unp.Backoff's
// pause, and the loop serves on meanwhile. The accept reads RLIMIT_NOFILE
// when it is submitted: a limit lowered while it waits applies from the
// next submission.
//
// Failure mode. As serv10's: a child is a single point of failure for all
// its connections, and one that dies resets them all; the parent reaps it
// and starts another in its slot, whose accept waits last. Worse than
// serv10's: on the shared listener, a stopped (SIGSTOP, a debugger) or
// merely slow child whose accept waited first still takes every new
// connection, and every client waits until it goes on; with -reuseport,
// its share waits, as in serv09. A client that sends requests and never
// reads the replies holds none of the buffers the child's connections
// share: what one turn read of it is copied into its own memory (as much
// as its socket held), and its recv is cancelled until it reads. Where io_uring is refused, or older than
// 5.19, the server does not start; on 5.19 every connection ends at its
// first recv (EINVAL: no multishot recv before 6.0).
//
// Usage:
//
//	serv12-uring [ -reuseport ] [ <host> ] <port#> <#children>
//
// Each child prints "child PID starting (io_uring: FLAGS)". Ctrl-C (SIGINT)
// or SIGTERM terminates and reaps every child, prints "child I, N
// connections" for each slot, then "user time = U, sys time = S", and
// exits.
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
