// See UNPv1 3e, Figures 30.27–30.29 (server/serv07.c, server/pthread07.c).

// Serv07-threadpool is the book's prethreaded server with a mutex around
// accept (section 30.11): #threads threads are created at start, and each
// one, forever, locks a mutex, calls accept, unlocks, and serves the
// connection it got. No thread is created per client, and the listening
// socket is all the threads share.
//
// Design. Here a thread is a goroutine, and what that changes is precise.
// The thread in accept(2), and every thread serving a connection, is blocked
// in a raw system call and holds an OS thread, exactly as the book's pthread
// does (these designs use raw descriptors, not Go's net package, whose
// goroutines would park on the runtime's netpoller and hold no thread). A
// goroutine waiting for the mutex, however, is parked inside the Go runtime
// and holds no thread at all, where the book's waiter sleeps in the kernel
// on a futex. So an idle pool of 15 is one OS thread in accept plus 14
// parked goroutines and the runtime's own threads, where -nolock has all 15
// asleep in accept, each on a thread of its own (procstat in the scenarios
// counts them). Under load the process grows to one OS thread per goroutine
// blocked in the kernel, as in the book.
//
// Why the mutex. System V-derived kernels of the book's day implemented
// accept as a library function over STREAMS, not as a system call, and there
// several callers blocked on one listening socket could fail (on Solaris 2.5
// accept returned EPROTO, section 30.7); hence the book's rule that only one
// thread at a time calls accept. Linux does not need it: threads sleeping in
// accept wait on the socket's queue as exclusive waiters, and each
// connection wakes exactly one of them (no thundering herd since Linux 2.4),
// first in, first out. Next to accept, read and write, the mutex costs
// little. What it changes is who gets the next connection. Go's sync.Mutex
// lets a goroutine that arrives while the lock
// is free take it ahead of those waiting (until one has waited 1 ms), so a
// thread back from a short connection often wins again, and the per-thread
// counts spread wider than with -nolock, where the kernel takes turns.
//
// Failure mode. #threads bounds the clients served at once; the rest wait in
// the kernel's listen queue, and a client that sends nothing holds a thread
// until the idle timeout (UNP_IDLE_TIMEOUT, 10 s by default). Out of
// descriptors, the thread in accept waits out a pause that doubles up to half
// a second (unp.Backoff, shared by the pool, one line a second at most)
// rather than spinning on EMFILE while the connection stays queued.
//
// Usage:
//
//	serv07-threadpool [ -nolock ] [ <host> ] <port#> <#threads>
//
// -nolock leaves the mutex out, as the book's source does in serv09.c and
// pthread09.c (the same pool, each thread calling accept unlocked): every
// thread blocks in accept at once. Each thread prints "thread I starting". Ctrl-C (SIGINT) or
// SIGTERM stops accepting and prints "thread I, N connections" for each
// thread and then "user time = U, sys time = S".
package main

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

const usage = "serv07-threadpool [ -nolock ] [ <host> ] <port#> <#threads>"

// maxThreads bounds #threads: each busy thread may hold an OS thread, and
// the Go runtime kills a process that has more than 10000.
//
// Departure: serv07.c takes any count.
const maxThreads = 8000

var (
	tptr     []Thread                      // array of Thread structures, one per thread
	listenfd int                           // the listening socket every thread accepts on
	mlock    sync.Mutex                    // held by the one thread in accept
	accepts  = unp.Backoff{What: "accept"} // shared: one line a second for the pool

	nolock   bool           // -nolock: no mutex around accept
	started  sync.WaitGroup // the threads that have not yet started
	stopping atomic.Bool    // set by sig_int before it shuts listenfd down
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "-nolock" {
		nolock, args = true, args[1:]
	}
	host, serv, nthreads := unp.PoolArgs(args, usage) // checked before anything is bound
	if nthreads > maxThreads {
		unp.Err_msg("bad count %d: at most %d threads (the Go runtime allows 10000)",
			nthreads, maxThreads)
		unp.Usage(usage)
	}
	listenfd = unp.Tcp_listen(host, serv)
	tptr = make([]Thread, nthreads)
	// each may hold an OS thread, blocked in accept or read
	unp.PoolFits(nthreads+unp.ParentThreads, fmt.Sprintf("%d threads", nthreads))

	started.Add(nthreads)
	for i := range nthreads {
		thread_make(i) // only main thread returns
	}
	started.Wait()

	unp.Signal(sig_int)
	unp.Ready(listenfd)
	select {} // everything done by threads: the book's pause()
}

// sig_int runs on SIGINT or SIGTERM: the book's sig_int. It stops accepting
// first: shutdown(2) on the listening socket wakes the thread asleep in
// accept with EINVAL and makes new clients' connections fail, so the counts
// it then prints are the connections served. The process then exits,
// ending every connection in progress.
//
// Departure: serv07.c's sig_int leaves the listener alone, so other
// threads go on accepting while the counts print. It also prints the CPU
// time first; CONTRACT.md puts it last, in every server.
func sig_int() {
	stopping.Store(true)
	unix.Shutdown(listenfd, unix.SHUT_RD)
	for i := range tptr {
		fmt.Printf("thread %d, %d connections\n", i, tptr[i].thread_count.Load())
	}
	unp.Pr_cpu_time()
}
