// See UNPv1 3e, section 30.6, Figures 30.9-30.11 (server/serv02.c, server/child02.c;
// the meter of serv02m.c and child02m.c; -select: child02l.c).

// Serv02-prefork is the preforked server with no locking around accept:
// the parent creates the listening socket and #children child processes at
// start-up, and every child blocks in accept(2) on that one shared socket.
// The kernel hands each new connection to one of the sleeping children,
// which serves it with web_child and goes back to accept.
//
// Cost. No process is created per client, so the fork cost of serv01 is
// paid #children times at start-up instead of once per connection. The
// price is a guess: #children must be large enough for the peak load, or
// clients wait in the listen queue, and every idle child is a process.
//
// The thundering herd (section 30.6). On the 4.4BSD kernels of the book,
// every child asleep in accept on one socket was woken by each new
// connection; one won it and the rest went back to sleep, so the CPU cost
// grew with #children. The section also tries a child that selects on the
// listening socket before it accepts (child02l.c): a socket selected on by
// many processes makes the kernel wake them all (a "select collision"),
// and all but one then block in accept. Linux has
// woken exactly one process blocked in accept on a socket since 2.4 (the
// wait queue entries are WQ_FLAG_EXCLUSIVE), so there is no herd in
// child02.c's plain accept, which is this server's loop; -select runs
// child02l.c's loop instead, to measure the collision (child.go). The
// distribution of connections across the children, printed by the meter
// at SIGINT, is still the kernel's choice: Linux wakes the waiter that
// slept longest, so it comes out even.
//
// Failure mode. A child that dies (a bug, the OOM killer, a stray kill)
// takes only the connection it was serving with it. Departure: serv02.c's
// parent never notices, and serves on with one child fewer; this parent
// reaps it, logs one line, and starts a new child in the same slot
// (unp.Children). A child that stops (SIGSTOP, a debugger attaching) is
// logged too, and costs nothing but its own client, if it had one: a
// stopped child is not in accept, and the kernel gives each connection to a
// child that is. Out of descriptors, a child's accept fails with EMFILE and
// leaves the connection queued; the child waits out a pause that doubles to
// half a second (unp.Backoff) and says so once a second, where retrying at
// once would spin. Out of processes, the parent retries an empty slot the
// same way, and a pool that does not fit the limit quits at start-up.
//
// Usage:
//
//	serv02-prefork [ -select | -fork ] [ <host> ] <port#> <#children>
//
// -select is not in the book's usage line: it runs the loop of child02l.c,
// the book's select-collision experiment, in which each child selects on
// the listening socket and then calls accept.
//
// -fork makes each child as the book does, a clone of the parent with no
// exec (unp.RawPrefork), whose life is child_main's loop written in Go that
// never enters the runtime (unp/rawchild.go). It pays no exec and no
// runtime start-up; the parent, and the contract, are the same.
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

// usage is the book's usage line: -select and -fork are not in it (see above).
const usage = "serv02-prefork [ <host> ] <port#> <#children>"

var (
	listenfd    int
	selectFirst bool          // -select: child02l.c's select before accept
	forkMode    bool          // -fork: children cloned, with no exec
	meter       *unp.Meter    // per-child connection counts, in shared memory
	pids        *unp.Children // the book's pids array
)

func main() {
	if _, args, ok := unp.Child(); ok {
		child_main(args) // never returns
	}
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "-select" {
		selectFirst, args = true, args[1:]
	}
	if !selectFirst {
		forkMode, args = unp.ForkFlag(args) // -fork and -select: not both
	}
	host, serv, nchildren := unp.PoolArgs(args, usage)
	listenfd = unp.Tcp_listen(host, serv)

	meter = unp.NewMeter(nchildren)
	sigfd := unp.SignalPipe() // before the first fork: no SIGCHLD is missed
	pids = unp.Prefork(nchildren, child_make)
	unp.Ready(listenfd)

	pids.Pause(sigfd, sig_int) // everything done by children
}

// sig_int terminates all children, waits for them, prints how many
// connections each slot served and the CPU time of parent and children.
//
// Departure: serv02.c's sig_int prints the CPU time alone, and the metered
// serv02m.c prints it before the counts; here the counts come first and the
// CPU line last, as in every server of this repository (CONTRACT.md).
func sig_int() {
	pids.Terminate()
	meter.Print()
	unp.Pr_cpu_time()
}
