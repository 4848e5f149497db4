// See UNPv1 3e, section 30.9, Figures 30.18-30.21 (server/serv05.c, server/child05.c).

// Serv05-fdpass is the preforked server whose parent does the accepting:
// the parent alone has the listening socket, and #children children each
// hold one end of a stream pipe (a Unix domain socketpair) to it. The parent
// selects on the listening socket and on every pipe; it accepts a connection,
// passes the connected descriptor to an idle child with Write_fd (an
// SCM_RIGHTS message), and closes its own copy. The child serves the client
// with web_child, closes the connection, and writes one byte back on its pipe
// to say it is ready again.
//
// Cost. Every connection costs the parent a select, an accept and a sendmsg,
// and the child a recvmsg and a write, on top of what serv02 does: the book
// measured it slower than the locking designs (the bench shows it here). In
// exchange the parent knows, at every moment, which child is busy, which
// none of serv02-serv04 can.
//
// Distribution. The parent gives each connection to the first idle child in
// its table, so under light load child 0 serves most of them and the last
// child few: the same skew the book's distribution table shows for this
// design, where the kernel's even spread of serv02-serv04 is gone.
//
// Failure mode. When every child is busy (navail == 0), the parent stops
// selecting the listening socket; new clients wait in the kernel's listen
// queue until a child writes its byte back, and are then served. Departure:
// serv05.c quits with "no available children" should select report the
// listener anyway, and with "child %d terminated unexpectedly" when a pipe
// reads EOF. This parent never quits while it has work: a child that dies is
// reaped (SIGCHLD), logged in one line and replaced in the same slot, and a
// descriptor that cannot be passed to a child that just died goes to the next
// idle one. Only the connection the dead child was serving is lost.
//
// A stopped child (SIGSTOP, a debugger) is the one failure the parent can
// route around, because it alone chooses who serves: it asks to hear of
// stops (unp.Reap), logs them, and passes nothing to a stopped child until it
// continues. Only the client the child was serving when it stopped waits.
// Out of descriptors (EMFILE from accept, the connection left queued), the
// parent stops selecting the listener for a pause that doubles up to half a
// second (unp.Backoff), logging once a second, and goes on reading its
// children's pipes meanwhile; out of processes, an empty slot is retried
// the same way.
//
// Signals. The parent's select also watches the read end of a self-pipe
// (unp.SignalPipe) that carries SIGCHLD, SIGINT and SIGTERM, so reaping,
// respawning and shutdown all run in the select loop, in order, with no
// handler racing it. main.go is the book's serv05.c, loop for loop; what
// the book's parent does not do (reap, replace, notice stops, back off)
// is in tend.go, called once at the end of each round.
//
// Usage:
//
//	serv05-fdpass [ -fork ] [ <host> ] <port#> <#children>
//
// -fork makes each child as the book does, a clone of the parent with no
// exec (unp.RawForkFdpass), whose life is child_main's loop — recvmsg, serve,
// close, one byte back — written in Go that never enters the runtime
// (unp/rawchild.go). It pays no exec and no runtime start-up; the parent,
// and the contract, are the same.
//
// Each child prints "child PID starting". Ctrl-C (SIGINT) or SIGTERM
// terminates and reaps every child, prints "child I, N connections" for
// each slot from the parent's table, then "user time = U, sys time = S"
// for the parent and all its children, and exits. (The book's sig_int
// prints the CPU time first; see sig_int.)
package main

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

const usage = "serv05-fdpass [ <host> ] <port#> <#children>"

func main() {
	if _, args, ok := unp.Child(); ok {
		child_main(args) // never returns
	}
	var args []string
	forkMode, args = unp.ForkFlag(os.Args[1:])
	host, serv, nchildren := unp.PoolArgs(args, usage)
	listenfd := unp.Tcp_listen(host, serv)
	// Departure: the listening socket is non-blocking (not in serv05.c). Only the parent has
	// it, and a client that resets between select and accept must not leave
	// the parent blocked in accept while its children wait for work.
	if err := unix.SetNonblock(listenfd, true); err != nil {
		unp.Err_sys(err, "O_NONBLOCK")
	}
	// Departure: at most FD_SETSIZE-16 children, a pipe each; serv05.c has
	// no bound and would overflow its fd_set.
	if nchildren > unix.FD_SETSIZE-16 { // a pipe each, and select's fd_set ends at FD_SETSIZE
		unp.Err_quit("at most %d children: select handles descriptors below %d",
			unix.FD_SETSIZE-16, unix.FD_SETSIZE)
	}
	sigfd := unp.SignalPipe() // before the first fork: no SIGCHLD is missed
	unp.PoolFits(nchildren*unp.ChildThreads+unp.ParentThreads, fmt.Sprintf("%d children", nchildren))

	cptr = make([]Child, nchildren)
	for i := range cptr { // prefork all the children
		if err := child_make(i); err != nil {
			unp.Err_sys(err, "child_make %d", i)
		}
	}
	unp.Ready(listenfd)

	for {
		rset, maxfd := masterset(listenfd, sigfd)
		if navail() <= 0 || time.Now().Before(acceptAt) {
			rset.Clear(listenfd) // turn off if no available children (or no descriptors)
		}
		unp.Select(maxfd+1, &rset, wakeup())

		if rset.IsSet(listenfd) { // check for new connections
			passConnection(listenfd)
		}
		for i := range cptr { // find any newly-available children
			if fd := cptr[i].child_pipefd; fd >= 0 && rset.IsSet(fd) {
				childReady(i)
			}
		}
		tend(&rset, sigfd) // what the book's parent leaves undone: tend.go
	}
}

// masterset is the set main selects on: the listening socket and every
// child's pipe, as the book's masterset, and the signal pipe.
//
// Departure: serv05.c builds masterset once, after the prefork; here a
// replaced child comes with a new pipe, so the set is built afresh from the
// table each time round. The book also counts down select's result (nsel)
// to stop looking early; with the set rebuilt anyway, main looks at all.
func masterset(listenfd, sigfd int) (rset unix.FdSet, maxfd int) {
	rset.Set(listenfd)
	rset.Set(sigfd)
	maxfd = max(listenfd, sigfd)
	for i := range cptr {
		if fd := cptr[i].child_pipefd; fd >= 0 {
			rset.Set(fd)
			maxfd = max(maxfd, fd)
		}
	}
	return rset, maxfd
}

// passConnection accepts a connection and passes it, with the client's
// address, to the first available child: the book's "check for new
// connections" block.
//
// Departure: where serv05.c quits ("no available children"), or a
// Write_fd fails because the child has just died, the descriptor goes to the
// next available child, and if none is left the connection is closed with
// one line; accept's errors are waited out (see tend.go).
func passConnection(listenfd int) {
	connfd, cliaddr, err := unp.Accept(listenfd)
	if err == unix.EAGAIN {
		return // the client went away after select saw it
	}
	if err != nil {
		acceptFailed(err) // e.g. EMFILE: leave the listener alone a while
		return
	}
	accepts.Succeeded()
	defer unp.Close(connfd) // the child has its own copy
	peer := []byte(unp.Sock_ntop(cliaddr))
	for i := range cptr {
		if !available(i) {
			continue
		}
		cptr[i].child_status = busy // mark child as busy
		if _, err := unp.Write_fd(cptr[i].child_pipefd, peer, connfd); err != nil {
			hungUp(i) // it died after saying it was ready: try the next
			continue
		}
		cptr[i].child_count++
		return
	}
	unp.Err_msg("%s: no child left to serve it", peer)
}

// childReady reads the byte a child writes when it is ready again: the
// book's "find any newly-available children" block.
//
// Departure: EOF, where serv05.c quits ("child %d terminated
// unexpectedly"), closes the dead child's pipe; SIGCHLD will replace it.
func childReady(i int) {
	var rc [1]byte
	if n, err := unp.Read(cptr[i].child_pipefd, rc[:]); n == 0 || err != nil {
		hungUp(i)
		return
	}
	cptr[i].child_status = ready
}

// sig_int terminates all children, waits for them, and prints each slot's
// count from the table and the CPU time of parent and children.
//
// Departure: serv05.c's sig_int prints the CPU time first and the counts
// after it; here the CPU line comes last, as in every server of this
// repository (CONTRACT.md), so that one pattern finds it.
func sig_int() {
	pids := make([]int, len(cptr))
	for i := range cptr {
		pids[i] = cptr[i].child_pid
	}
	unp.TerminateAll(pids)
	for i := range cptr {
		fmt.Printf("child %d, %d connections\n", i, cptr[i].child_count)
	}
	unp.Pr_cpu_time()
}
