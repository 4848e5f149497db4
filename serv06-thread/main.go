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
// goroutine's "go doit" only queues a goroutine with a small stack (2 KB at
// least, or the average the runtime has seen goroutines need: GODEBUG's
// adaptivestackstart); the OS thread is created (or an idle one reused)
// later, when the goroutine blocks in the kernel.
//
// Cost. Pthread_create is the price the book pays per connection: a
// clone(2), a stack to map (and, when glibc hands an exited thread's stack
// back, to fault in again), and an exit. "go doit" allocates a goroutine of
// a few kilobytes from the Go heap, and the runtime keeps the OS threads its
// blocking calls needed and reuses them, so under a client with a few
// connections in flight no thread is created after warm-up. The bench
// measures both beside each other.
//
// Failure mode: a flood of slow clients. Each connected client that sends
// nothing parks a goroutine in read(2), and with it an OS thread: a kernel
// task (the binary is static, without cgo, so the runtime makes its threads
// itself with clone(2), each with a small system stack of its own; the
// goroutine's stack stays on the Go heap). When the clients leave, the
// runtime keeps those threads for the life of the process. The idle timeout
// (UNP_IDLE_TIMEOUT, 10 s by default) frees each connection eventually, but
// a flood faster than that accumulates threads, and two limits end a Go
// process outright rather than failing one call: the runtime's own, 10000
// threads (runtime/debug.SetMaxThreads: "fatal error: thread exhaustion"),
// and the kernel's RLIMIT_NPROC, which counts every task of the user ("fatal
// error: newosproc"). The book's serv06 dies the same way when
// Pthread_create fails with EAGAIN and the wrapper calls err_sys.
//
// Departure: so serv06 bounds its concurrency, where serv06.c makes a
// thread for every client. At most maxthreads
// connections are served at once — maxThreads, or fewer if RLIMIT_NPROC
// leaves room for fewer, worked out at start-up and said on stdout; the main
// goroutine waits for a free slot before it calls accept, and the kernel's
// listen queue holds the clients that come meanwhile, as it does for the
// pooled designs. An accept that fails for want of descriptors (EMFILE)
// waits out a pause that doubles up to half a second (unp.Backoff) and logs
// one line a second at most, instead of retrying at once.
//
// Usage:
//
//	serv06-thread [ <host> ] <port#>
//
// Ctrl-C (SIGINT) or SIGTERM prints "user time = U, sys time = S" and exits.
package main

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// maxThreads bounds the connections served at once, each of which may hold
// an OS thread: well under the runtime's limit of 10000 threads, leaving
// room for the runtime's own (unp.ParentThreads, kept back from
// RLIMIT_NPROC too).
const maxThreads = 8000

// slots counts the connections being served: a semaphore of maxthreads.
var slots chan struct{}

func main() {
	listenfd := unp.ListenArgs("serv06-thread [ <host> ] <port#>")

	maxthreads, why := threadLimit()
	slots = make(chan struct{}, maxthreads)
	fmt.Printf("at most %d clients at once: %s\n", maxthreads, why)

	unp.Signal(sig_int)
	unp.Ready(listenfd)

	accepts := unp.Backoff{What: "accept"}
	for {
		slots <- struct{}{} // Departure: wait for a free slot first (serv06.c does not)
		connfd, cliaddr, err := unp.Accept(listenfd)
		if err != nil {
			<-slots
			time.Sleep(accepts.Failed(err)) // e.g. EMFILE: say so, wait, try again
			continue
		}
		accepts.Succeeded()
		go doit(connfd, cliaddr) // Pthread_create; goroutines are always detached
	}
}

// threadLimit works out how many connections may hold a thread at once:
// maxThreads, or what RLIMIT_NPROC leaves after the threads already in use
// by this user and unp.ParentThreads for the runtime.
func threadLimit() (int, string) {
	left, limit := unp.ThreadBudget()
	if limit < 0 || left-unp.ParentThreads >= maxThreads {
		return maxThreads, "kept under the Go runtime's limit of 10000 threads"
	}
	return max(left-unp.ParentThreads, 1), fmt.Sprintf("RLIMIT_NPROC %d, %d tasks in use",
		limit, limit-left)
}

// doit serves one connection and closes it: the book's doit, the start
// function of each per-client thread. It frees its slot when it returns.
//
// Departure: a panic while serving (there should be none) comes back from
// Web_child as an error, so that one connection cannot end the process; the
// thread of serv06.c would have taken the process with it.
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
