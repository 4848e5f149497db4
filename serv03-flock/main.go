// See UNPv1 3e, section 30.7, Figures 30.13-30.14 (server/serv03.c, server/child03.c,
// server/lock_fcntl.c; the meter of serv03m.c and child03m.c).

// Serv03-flock is serv02-prefork with a lock around accept: #children
// preforked children share one listening socket, and a child must hold a
// POSIX record lock on a file (fcntl F_SETLKW) to call accept. So exactly one
// child at a time sleeps in accept; the others sleep on the lock.
//
// Why the book locks. On kernels that wake every process sleeping in accept
// on a socket (the thundering herd), and on systems where accept on one
// socket from several processes is not even safe (some SVR4 kernels, where
// accept is a library function over STREAMS), the lock turns the herd into
// one waiter. On Linux, accept already wakes one sleeper (see serv02-prefork),
// so here the lock adds two fcntl calls per connection and buys nothing: this
// server measures what a file lock costs.
//
// The lock (unp.My_lock_init). The parent creates a temporary file from the
// template /tmp/lock.XXXXXX, unlinks it at once and passes the descriptor to
// each child. fcntl record locks belong to a process, not to a descriptor, so
// the children exclude each other although they share one open file
// description. flock(2) and OFD locks (F_OFD_SETLKW) would not: they belong to
// the open file description, which every child shares with the parent, so
// each child would find the lock already "its own" and none would wait. When
// a child dies holding the lock, the kernel releases it.
//
// Failure mode. As serv02: a child that dies is reaped, logged in one line
// and replaced in its slot (Departure: serv03.c's parent never notices).
// A child killed while it holds the lock releases it by dying.
//
// A stopped child can be worse than a dead one. The child holding the lock
// is the one asleep in accept; a SIGSTOP (or a debugger attaching) that
// finds it there leaves it holding the lock while it cannot run, every
// sibling waits in fcntl, and the server serves nobody until the child is
// continued or killed. Any other child stopped costs only its own client. The parent hears of the
// stop (unp.Reap asks for WUNTRACED) and says so in one line, but cannot
// take the lock back; only the kernel can, when the holder dies.
// (testdata/script/serv03_holdlock.txtar does exactly that.)
//
// Usage:
//
//	serv03-flock [ -fork ] [ <host> ] <port#> <#children>
//
// -fork makes each child as the book does, a clone of the parent with no
// exec (unp.RawPrefork), whose life is child_main's loop with the file lock,
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
	host, serv, nchildren := unp.PoolArgs(args, "serv03-flock [ <host> ] <port#> <#children>")
	listenfd = unp.Tcp_listen(host, serv)

	meter = unp.NewMeter(nchildren)
	lock = unp.My_lock_init("/tmp/lock.XXXXXX") // one lock file for all children
	sigfd := unp.SignalPipe()                   // before the first fork: no SIGCHLD is missed
	pids = unp.Prefork(nchildren, child_make)
	unp.Ready(listenfd)

	pids.Pause(sigfd, sig_int) // everything done by children
}

// sig_int terminates all children, waits for them, prints how many
// connections each slot served and the CPU time of parent and children.
//
// Departure: serv03.c's sig_int prints the CPU time alone, and the metered
// serv03m.c prints it before the counts; here the counts come first and the
// CPU line last, as in every server of this repository (CONTRACT.md).
func sig_int() {
	pids.Terminate()
	meter.Print()
	unp.Pr_cpu_time()
}
