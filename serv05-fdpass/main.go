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
// the book quits with "no available children" should select report the
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
// handler racing it.
//
// Usage:
//
//	serv05-fdpass [ <host> ] <port#> <#children>
//
// Each child prints "child PID starting". Ctrl-C (SIGINT) or SIGTERM
// terminates and reaps every child, prints "child I, N connections" for
// each slot from the parent's table, then "user time = U, sys time = S"
// for the parent and all its children, and exits.
package main

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

var (
	accepts = unp.Backoff{What: "accept"} // EMFILE and the like
	forks   = unp.Backoff{What: "fork"}   // EAGAIN: out of processes
	// Until when the listener, or the empty slots, are left alone.
	acceptAt, forkAt time.Time
)

func main() {
	if _, args, ok := unp.Child(); ok {
		child_main(args) // never returns
	}
	listenfd, nchildren := unp.ListenPoolArgs("serv05-fdpass [ <host> ] <port#> <#children>")
	// Departure: the listening socket is non-blocking. Only the parent has
	// it, and a client that resets between select and accept must not leave
	// the parent blocked in accept while its children wait for work.
	if err := unix.SetNonblock(listenfd, true); err != nil {
		unp.Err_sys(err, "O_NONBLOCK")
	}
	if nchildren > unix.FD_SETSIZE-16 { // a pipe each, and select's fd_set ends at FD_SETSIZE
		unp.Err_quit("at most %d children: select handles descriptors below %d",
			unix.FD_SETSIZE-16, unix.FD_SETSIZE)
	}
	sigfd := unp.SignalPipe() // before the first fork: no SIGCHLD is missed
	unp.PoolFits(nchildren*unp.ChildThreads+unp.ParentThreads, fmt.Sprintf("%d children", nchildren))

	cptr = make([]Child, nchildren)
	for i := range cptr { // prefork all the children
		cptr[i] = Child{child_pipefd: -1, child_status: busy}
		if err := child_make(i); err != nil {
			unp.Err_sys(err, "child_make %d", i)
		}
	}
	unp.Ready(listenfd)

	for {
		var rset unix.FdSet
		rset.Set(sigfd)
		maxfd, navail, empty := sigfd, 0, false
		for i := range cptr {
			if available(i) {
				navail++
			}
			if fd := cptr[i].child_pipefd; fd >= 0 {
				rset.Set(fd)
				maxfd = max(maxfd, fd)
			}
			empty = empty || cptr[i].child_pid == 0
		}
		now := time.Now()
		if navail > 0 && !now.Before(acceptAt) { // turn off the listener if no available children
			rset.Set(listenfd)
			maxfd = max(maxfd, listenfd)
		}
		var wake []time.Time // Departure: when to look again without a descriptor ready
		if now.Before(acceptAt) {
			wake = append(wake, acceptAt)
		}
		if empty {
			wake = append(wake, forkAt)
		}
		unp.Select(maxfd+1, &rset, timeout(now, wake))

		if rset.IsSet(sigfd) {
			sig_handler(unp.ReadSignal(sigfd))
			continue // a respawn may have reused a descriptor number in rset
		}
		if empty && !time.Now().Before(forkAt) {
			fill()
			continue
		}
		if rset.IsSet(listenfd) { // check for new connections
			pass_connection(listenfd)
		}
		for i := range cptr { // find any newly-available children
			if fd := cptr[i].child_pipefd; fd >= 0 && rset.IsSet(fd) {
				child_ready(i)
			}
		}
	}
}

// timeout is select's timeout for the earliest of wake: nil if wake is
// empty (wait for a descriptor), zero if the time has come.
func timeout(now time.Time, wake []time.Time) *unix.Timeval {
	if len(wake) == 0 {
		return nil
	}
	d := max(wake[0].Sub(now), 0)
	for _, t := range wake[1:] {
		d = min(d, max(t.Sub(now), 0))
	}
	tv := unix.NsecToTimeval(d.Nanoseconds())
	return &tv
}

// pass_connection accepts a connection and passes it, with the client's
// address, to the first available child.
func pass_connection(listenfd int) {
	connfd, cliaddr, err := unp.Accept(listenfd)
	if err == unix.EAGAIN {
		return // the client went away after select saw it
	}
	if err != nil {
		acceptAt = time.Now().Add(accepts.Failed(err)) // e.g. EMFILE: leave the listener alone a while
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
			hung_up(i) // it died after saying it was ready: try the next
			continue
		}
		cptr[i].child_count++
		return
	}
	unp.Err_msg("%s: no child left to serve it", peer)
}

// child_ready reads the byte a child writes when it is ready again.
func child_ready(i int) {
	var rc [1]byte
	if n, err := unp.Read(cptr[i].child_pipefd, rc[:]); n == 0 || err != nil {
		hung_up(i) // the child died; SIGCHLD will replace it
		return
	}
	cptr[i].child_status = ready
}

// hung_up closes the pipe of a child that has died, and leaves its slot busy
// until the child is reaped and replaced.
func hung_up(i int) {
	cptr[i].child_status = busy
	if cptr[i].child_pipefd >= 0 {
		unp.Close(cptr[i].child_pipefd)
		cptr[i].child_pipefd = -1
	}
}

// sig_handler does, in the select loop, what the book's signal handlers do.
func sig_handler(sig syscall.Signal) {
	switch sig {
	case syscall.SIGCHLD:
		unp.Reap(reaped)
		fill()
	case syscall.SIGINT, syscall.SIGTERM:
		sig_int()
		os.Exit(0)
	}
}

// reaped empties the slot of the dead child pid, keeping its count, or
// marks it stopped or continued.
func reaped(pid int, ws unix.WaitStatus) {
	for i := range cptr {
		if cptr[i].child_pid != pid {
			continue
		}
		if ws.Stopped() || ws.Continued() {
			unp.ChildStopped(i, pid, ws)
			cptr[i].stopped = ws.Stopped()
			return
		}
		forkAt = later(forkAt, time.Now().Add(unp.ChildDied(i, pid, ws)))
		hung_up(i)
		cptr[i].child_pid = 0
		return
	}
}

// fill starts a child in every empty slot, once forkAt has come: a child
// that died young, or a fork that failed, puts it off (ChildDied, forks).
func fill() {
	if time.Now().Before(forkAt) {
		return // main's select wakes at forkAt
	}
	for i := range cptr {
		if cptr[i].child_pid != 0 {
			continue
		}
		if err := child_make(i); err != nil {
			forkAt = time.Now().Add(forks.Failed(fmt.Errorf("child_make %d: %w", i, err)))
			return
		}
		forks.Succeeded()
	}
}

// later is the later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// sig_int terminates all children, waits for them, and prints each slot's
// count from the table and the CPU time of parent and children.
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
