// See UNPv1 3e, Figures 30.30–30.32 (server/serv08.c, server/pthread08.c).

// Serv08-mainaccept is the book's prethreaded server whose main thread
// accepts (section 30.12): #threads threads are created at start; the main
// thread alone calls accept and puts each connected descriptor in a ring,
// clifd[MAXNCLI], from which the threads take them out, a mutex guarding
// the ring and a condition variable waking a thread when a descriptor
// arrives. It is serv05-fdpass with threads: within one process no
// descriptor needs passing, only its number.
//
// Design. Here a thread is a goroutine. The main goroutine in accept(2) and
// every pool goroutine serving a connection are blocked in raw system calls
// and hold an OS thread each, as the book's threads do (Go's net package
// would park them on the runtime's netpoller instead). A pool goroutine
// waiting on the condition variable, though, is parked in the Go runtime and
// holds no thread, where the book's sleeps in the kernel on a futex: idle,
// this server runs on a handful of threads whatever #threads is.
//
// Cost. Every connection is handed from one thread to another: a lock, a
// signal that makes a waiting thread runnable, and a switch to it. The book
// measured serv08 slower than serv07 for this reason (the bench runs the C
// builds beside these, on this machine). In Go the gap should shrink,
// because Go's serv07 hands off too: its threads wait for the mutex as
// parked goroutines, and each unlock makes one runnable, the same step as
// clifd_cond.Signal here.
//
// Failure mode. The book's main thread calls err_quit when the ring fills
// (iput catches up with iget): more than MAXNCLI-1 connections accepted and
// not yet taken by a thread kill the server. That happens as soon as
// #threads clients hold their connections open and 32 more arrive: the C
// serv08 with 2 threads, sent 64 requests on 64 connections at once, exits
// at once with "iput = iget = 2".
//
// Out of descriptors, main's accept fails with EMFILE and the connection
// stays queued; it waits out a pause that doubles up to half a second
// (unp.Backoff), one line a second at most, while the threads serve on.
//
// Departure: serv08.c quits when the ring is full (err_quit); here the
// main goroutine waits on a second condition variable,
// clifdSpace, until a thread has taken a descriptor out; meanwhile it does
// not accept, and the kernel's listen queue (LISTENQ) holds the clients
// that come, as it does for every design. No connection is lost and the
// server does not exit (testdata/script/serv08_full.txtar: the same 64).
//
// A Go channel is this very structure: make(chan int, MAXNCLI) is a ring
// with a lock and two queues of waiting goroutines, one for senders when it
// is full and one for receivers when it is empty, so "clifd <- connfd" in
// main and "connfd := <-clifd" in each thread would replace all of iget,
// iput, the mutex and both conditions, with the backpressure for free.
// That is how one would write it in Go; the book's ring is kept because it
// is what the reader is learning, and the channel's implementation
// (runtime/chan.go) is the same idea underneath.
//
// Usage:
//
//	serv08-mainaccept [ <host> ] <port#> <#threads>
//
// Each thread prints "thread I starting". Ctrl-C (SIGINT) or SIGTERM stops
// accepting and prints "thread I, N connections" for each thread and then
// "user time = U, sys time = S".
package main

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

const usage = "serv08-mainaccept [ <host> ] <port#> <#threads>"

// maxThreads bounds #threads: each busy thread may hold an OS thread, and
// the Go runtime kills a process that has more than 10000.
//
// Departure: serv08.c takes any count.
const maxThreads = 8000

// Thread is the book's per-thread bookkeeping (pthread08.h), one slot of
// the array tptr. Departure: the book's thread_tid has no Go counterpart (a
// goroutine has no ID); the count is atomic because sig_int reads it from
// another goroutine while the thread may still be adding to it.
type Thread struct {
	thread_count atomic.Int64 // # connections handled
}

// MAXNCLI is the size of the ring; it holds at most MAXNCLI-1 descriptors,
// since iput == iget means empty.
const MAXNCLI = 32

var (
	tptr []Thread // array of Thread structures, one per thread

	clifd       [MAXNCLI]int                 // the ring of connected descriptors
	cliaddr     [MAXNCLI]unix.Sockaddr       // Departure: and their peers' addresses (not in pthread08.h)
	iget, iput  int                          // next to take out, next to put in
	clifd_mutex sync.Mutex                   // guards clifd, iget and iput
	clifd_cond  = sync.NewCond(&clifd_mutex) // a descriptor was put in
	clifdSpace  = sync.NewCond(&clifd_mutex) // Departure: one was taken out (not in pthread08.h)

	listenfd int
	started  sync.WaitGroup // the threads that have not yet started
	stopping atomic.Bool    // set by sig_int before it shuts listenfd down
)

func main() {
	host, serv, nthreads := unp.PoolArgs(os.Args[1:], usage) // checked before anything is bound
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
	for i := range nthreads { // create all the threads
		thread_make(i) // only main thread returns
	}
	started.Wait()

	unp.Signal(sig_int)
	unp.Ready(listenfd)

	accepts := unp.Backoff{What: "accept"}
	for {
		connfd, addr, err := unp.Accept(listenfd)
		if err != nil {
			if stopping.Load() {
				select {} // sig_int is printing; the process exits
			}
			time.Sleep(accepts.Failed(err)) // e.g. EMFILE: say so, wait, try again
			continue
		}
		accepts.Succeeded()

		clifd_mutex.Lock()
		for (iput+1)%MAXNCLI == iget { // ring full: the book's err_quit
			clifdSpace.Wait()
		}
		clifd[iput] = connfd
		cliaddr[iput] = addr
		if iput++; iput == MAXNCLI {
			iput = 0
		}
		clifd_cond.Signal()
		clifd_mutex.Unlock()
	}
}

// sig_int runs on SIGINT or SIGTERM: the book's sig_int. It stops accepting
// first: shutdown(2) on the listening socket wakes the main goroutine's
// accept with EINVAL and makes new clients' connections fail. A connection
// still in the ring is not counted (a thread counts it when it takes it
// out) and is not served: the process exits, ending it and every
// connection in progress.
//
// Departure: serv08.c's sig_int leaves the listener alone, so main goes on
// accepting while the counts print. It also prints the CPU time first;
// CONTRACT.md puts it last, in every server.
func sig_int() {
	stopping.Store(true)
	unix.Shutdown(listenfd, unix.SHUT_RD)
	for i := range tptr {
		fmt.Printf("thread %d, %d connections\n", i, tptr[i].thread_count.Load())
	}
	unp.Pr_cpu_time()
}
