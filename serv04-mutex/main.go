// See UNPv1 3e, section 30.8, Figure 30.16 (server/serv04.c, server/child04.c,
// server/lock_pthread.c; the meter as serv03m.c adds it, for the counts).

// Serv04-mutex is serv03-flock with the book's other lock around accept: a
// mutex in memory shared by all the children instead of a record lock on a
// file. The two servers differ only in the lock they create (NewSharedMutex
// here, My_lock_init there) and open in the child.
//
// The mutex (unp.NewSharedMutex). The book puts a pthread mutex with the
// PTHREAD_PROCESS_SHARED attribute in a page of /dev/zero mapped MAP_SHARED
// before fork. Go has no fork and no process-shared mutex, so unp writes out
// what glibc builds underneath: a 32-bit futex word in a memfd page that the
// parent passes to every child, taken with compare-and-swap in user space and
// slept on with futex(2) without FUTEX_PRIVATE_FLAG, because the sleepers are
// in different processes. (MAP_SHARED|MAP_ANONYMOUS memory would not survive
// the exec.)
//
// Cost. Uncontended, taking and releasing the mutex is two atomic
// instructions and no system call, against two fcntl calls for serv03: the
// book measured this as the fastest of its preforked servers. Contended, a
// waiter costs a futex wait and its waker a futex wake.
//
// Failure mode. A child killed while it holds the mutex, and the holder is
// the child asleep in accept, so any kill of an idle child may be one,
// would leave every sibling asleep on the futex forever: the book's mutex is
// not robust, and its server would stop accepting. Departure: this one is,
// where lock_pthread.c's is not: the word
// holds the owner's thread ID and each child registers it with
// set_robust_list(2), so when the holder dies the kernel marks the word
// FUTEX_OWNER_DIED and wakes a waiter, which takes the mutex over and logs
// one line. Departure: serv04.c's parent also never notices a dead child;
// this one reaps it, logs one line and replaces it in its slot.
//
// A stopped holder is what robustness cannot help: it is alive, so the
// kernel does not mark the mutex, and every sibling sleeps on the futex
// until the holder is continued or killed; the parent logs the stop in one
// line and can do nothing more.
//
// Usage:
//
//	serv04-mutex [ -fork ] [ <host> ] <port#> <#children>
//
// -fork makes each child as the book does, a clone of the parent with no
// exec (unp.RawPrefork), whose life is child_main's loop with the robust futex,
// written in Go that never enters the runtime (unp/rawchild.go). It pays no
// exec and no runtime start-up; the parent, and the contract, are the same.
//
// Each child prints "child PID starting". Ctrl-C (SIGINT) or SIGTERM
// terminates and reaps every child, prints "child I, N connections" for
// each slot, then "user time = U, sys time = S" for the parent and all
// its children, and exits.
package main

import (
	"os"

	"unp-go.dev/unp"
)

var (
	listenfd int
	forkMode bool          // -fork: children cloned, with no exec
	meter    *unp.Meter    // per-child connection counts, in shared memory
	lock     unp.Lock      // held around accept
	pids     *unp.Children // the book's pids array
)

func main() {
	if _, args, ok := unp.Child(); ok {
		child_main(args) // never returns
	}
	var args []string
	forkMode, args = unp.ForkFlag(os.Args[1:])
	host, serv, nchildren := unp.PoolArgs(args, "serv04-mutex [ <host> ] <port#> <#children>")
	listenfd = unp.Tcp_listen(host, serv)

	meter = unp.NewMeter(nchildren)
	lock = unp.NewSharedMutex() // one mutex in shared memory for all children
	sigfd := unp.SignalPipe()   // before the first fork: no SIGCHLD is missed
	pids = unp.Prefork(nchildren, child_make)
	unp.Ready(listenfd)

	pids.Pause(sigfd, sig_int) // everything done by children
}

// sig_int terminates all children, waits for them, prints how many
// connections each slot served and the CPU time of parent and children.
//
// Departure: serv04.c's sig_int prints the CPU time alone (the book has no
// metered serv04; serv03m.c prints the CPU time before the counts); here
// the counts come first and the CPU line last, as in every server of this
// repository (CONTRACT.md).
func sig_int() {
	pids.Terminate()
	meter.Print()
	unp.Pr_cpu_time()
}
