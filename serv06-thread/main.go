// See UNPv1 3e, Figure 30.26 (server/serv06.c).

// Serv06-thread is the book's one-thread-per-client server (section 30.10):
// the main goroutine accepts, and each connection gets a goroutine of its
// own, doit, which serves it with web_child and closes it. Serv01-fork with
// a thread (here a goroutine) in place of a process.
//
// Design. A goroutine is not a pthread, and the difference is the lesson.
// Go multiplexes goroutines on a few OS threads, and a goroutine that waits
// inside the runtime (a channel, a mutex, Go's net package on the netpoller)
// costs no thread at all. But this server, like every design here, uses raw
// descriptors and blocking system calls, so that the designs compare on
// equal terms: a goroutine blocked in read(2) on its connection holds its OS
// thread for as long as the call blocks, and the runtime starts another
// thread to run everything else. So, as in the book, each connection being
// served costs one kernel thread. The difference is at the start: the main
// goroutine's "go doit" only queues a 2 KB stack; the OS thread is created
// (or an idle one reused) later, when the goroutine blocks in the kernel.
//
// Cost. Pthread_create is the price the book pays per connection; a
// goroutine start is about a hundred times cheaper. Measured on this machine
// (2 vCPU VM shared with other work, Linux 6.18, Go 1.26, gcc 12 -O2):
// pthread_create + pthread_join of an empty thread, 62 µs; go + wait for an
// empty goroutine, 0.48 µs. With the book's client (`client 127.0.0.1 PORT
// 2 200 4000`, median of three runs) the C serv06 used 0.15 s of CPU and
// served 1800 connections/s; this one used 0.08 s and served 3100/s. The
// runtime keeps the threads it has made and reuses them, so under the
// client's few concurrent connections no thread is created after warm-up:
// the process stays at about ten threads whatever the connection count.
//
// Failure mode: a flood of slow clients. Each connected client that sends
// nothing parks a goroutine in read(2), and with it an OS thread. Because
// package net links the C resolver, this binary is a cgo program and the
// runtime makes its threads with pthread_create: they are the book's
// threads, 8 MB of stack address space each. Measured with 1000 idle
// connections: the C serv06 had 1001 threads and grew by 12 MB resident;
// this one had 1006 and grew by 24 MB (23 KB each). When the clients left,
// the C threads exited; the Go runtime never ends an idle thread, so the
// 1006 threads and their memory stay for the life of the process. The idle
// timeout (UNP_IDLE_TIMEOUT, 10 s by default) frees each connection
// eventually, but a flood faster than that accumulates threads, and the
// runtime allows at most 10000 (runtime/debug.SetMaxThreads). Past that it
// does not fail one call: it kills the whole process ("fatal error: thread
// exhaustion"). The book's serv06 dies the same way when Pthread_create
// fails with EAGAIN (RLIMIT_NPROC, kernel.threads-max) and the wrapper calls
// err_sys.
//
// Departure: so serv06 bounds its concurrency. At most MAXTHREADS
// connections are served at once; the main goroutine waits for a free slot
// before it calls accept, and the kernel's listen queue holds the clients
// that come meanwhile, as it does for the pooled designs. Under the book's
// load the bound is never reached.
//
// Usage:
//
//	serv06-thread [ <host> ] <port#>
//
// Ctrl-C (SIGINT) or SIGTERM prints "user time = U, sys time = S" and exits.
package main

import (
	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// MAXTHREADS bounds the connections served at once, each of which may hold
// an OS thread: well under the runtime's limit of 10000 threads, leaving
// room for the runtime's own.
const MAXTHREADS = 8000

// slots counts the connections being served: a semaphore of MAXTHREADS.
var slots = make(chan struct{}, MAXTHREADS)

func main() {
	listenfd := unp.ListenArgs("serv06-thread [ <host> ] <port#>")

	unp.Signal(sig_int)
	unp.Ready(listenfd)

	for {
		slots <- struct{}{} // Departure: wait for a free slot first
		connfd, cliaddr, err := unp.Accept(listenfd)
		if err != nil {
			<-slots
			unp.Err_msg("accept: %v", err) // e.g. EMFILE: log, go on
			continue
		}
		go doit(connfd, cliaddr) // Pthread_create; goroutines are always detached
	}
}

// doit serves one connection and closes it: the book's doit, the start
// function of each per-client thread. It frees its slot when it returns.
//
// Departure: a panic while serving (there should be none) comes back from
// Web_child as an error, so that one connection cannot end the process; the
// book's thread would have taken the process with it.
func doit(connfd int, cliaddr unix.Sockaddr) {
	defer func() { <-slots }()
	if err := unp.Web_child(connfd); err != nil {
		unp.Err_msg("%s: %v", unp.Sock_ntop(cliaddr), err)
	}
	unp.Close(connfd)
}

// sig_int runs on SIGINT or SIGTERM: the book's sig_int, which prints the
// CPU time; the process then exits, ending every connection in progress.
func sig_int() {
	unp.Pr_cpu_time()
}
