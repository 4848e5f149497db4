// See UNPv1 3e, section 30.5, Figure 30.4 (server/serv01.c).

// Serv01-fork is the traditional concurrent server: the parent accepts a
// connection and creates a child process to serve it, then goes back to
// accept while the child serves the client with web_child and exits.
//
// Departure: serv01.c's child runs on after Fork. A Go child of fork(2)
// cannot run ordinary Go (see unp.Fork),
// so by default the child is this program started again, with the
// connected socket as its only inherited descriptor (ChildFd(0)). The
// book's child closes the listening socket it inherited by fork; this one
// never has it, because every descriptor here is close-on-exec unless it is
// passed on purpose.
//
// -fork forks as the book does: the child is a clone of the parent with no
// exec (unp.RawForkConn), which closes every descriptor but its client's
// and serves it in Go that never enters the runtime (unp/rawchild.go). It
// pays no exec and no runtime start-up, so it costs what the book's child
// costs; the parent is the same.
//
// Cost. A process per connection, and here also an exec and a Go runtime
// start-up. The book's Figure 30.1 already shows fork-per-client as the most
// expensive design by far; exec makes it dearer still, and the bench shows by
// how much, beside the C serv01 and beside the floor: the exec, exit and
// wait of this binary doing nothing.
//
// Zombies. Every child that exits stays a zombie until its parent waits for
// it. The book catches SIGCHLD and reaps in the handler (sig_chld), and
// restarts the accept the signal interrupted (the EINTR test below). Go runs
// no code in a signal handler and restarts interrupted system calls itself,
// so here the parent selects on the listening socket and on a self-pipe that
// carries SIGCHLD and SIGINT (unp.SignalPipe), and reaps in its own loop.
// Reaping matters twice: no zombie is left, and the children's CPU time only
// reaches RUSAGE_CHILDREN, and so the SIGINT report, once they are reaped.
//
// Failure mode. One process per client, and the book puts no limit on
// them: a burst of clients is a burst of processes, until fork fails
// (EAGAIN) and the book's server exits ("fork error"). Every process and
// thread of a user counts against RLIMIT_NPROC, and one Go child is several
// threads (its main thread, the runtime's monitor, and those the runtime
// starts while the main one blocks in a system call: unp.ChildThreads
// allows for four), each thread with a stack of its own and the child with
// a Go runtime's resident memory. Worse, a Go parent that cannot get a thread when its
// runtime wants one is ended by the runtime (fatal error: newosproc).
// Departure: so the parent serves at most maxchildren clients at once
// (serv01.c has no bound), a
// bound it works out at start-up from the limit and says on stdout; while
// that many children run it does not accept, and the kernel's listen queue
// holds the rest. Should fork fail anyway, the connection is closed with one
// line, and accept waits out a pause that doubles to half a second
// (unp.Backoff), one line a second at most; so does an accept that fails for
// want of descriptors.
//
// Usage:
//
//	serv01-fork [ -fork ] [ <host> ] <port#>
//
// Ctrl-C (SIGINT) or SIGTERM terminates and reaps the children still serving,
// prints "user time = U, sys time = S" for the parent and all its children,
// and exits.
package main

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

var children = map[int]bool{} // PIDs of the children still serving

var (
	maxchildren int                           // Departure: children serving at once, at most (serv01.c: no bound)
	accepts     = unp.Backoff{What: "accept"} // out of descriptors
	forks       = unp.Backoff{What: "fork"}   // out of processes
	acceptAt    time.Time                     // not before: a back-off's pause
)

func main() {
	if _, args, ok := unp.Child(); ok {
		child_main(args) // never returns
	}
	forkMode, args := unp.ForkFlag(os.Args[1:])
	listenfd := unp.ListenArgsFrom(args, "serv01-fork [ <host> ] <port#>") // the book's: -fork is not in it
	// Departure: the listening socket is non-blocking (not in serv01.c), so that a client that
	// resets between select and accept cannot leave the parent blocked in
	// accept with signals waiting. Only the parent has it.
	if err := unix.SetNonblock(listenfd, true); err != nil {
		unp.Err_sys(err, "O_NONBLOCK")
	}
	sigfd := unp.SignalPipe()
	var why string
	maxchildren, why = childLimit(forkMode)
	fmt.Printf("at most %d clients at once: %s\n", maxchildren, why)
	unp.Ready(listenfd)

	for {
		var rset unix.FdSet
		rset.Set(sigfd)
		var tv *unix.Timeval
		if d := time.Until(acceptAt); d > 0 {
			t := unix.NsecToTimeval(d.Nanoseconds()) // backing off: listener off till then
			tv = &t
		} else if len(children) < maxchildren {
			rset.Set(listenfd)
		}
		unp.Select(max(listenfd, sigfd)+1, &rset, tv)
		if rset.IsSet(sigfd) {
			switch unp.ReadSignal(sigfd) {
			case syscall.SIGCHLD:
				unp.Reap(sig_chld)
			case syscall.SIGINT, syscall.SIGTERM:
				sig_int()
				os.Exit(0)
			}
		}
		if !rset.IsSet(listenfd) {
			continue
		}
		connfd, cliaddr, err := unix.Accept4(listenfd, unix.SOCK_CLOEXEC)
		if err != nil {
			if err != unix.EINTR && err != unix.EAGAIN && err != unix.ECONNABORTED {
				acceptAt = time.Now().Add(accepts.Failed(err)) // e.g. EMFILE
			}
			continue // back to for()
		}
		accepts.Succeeded()
		peer := unp.Sock_ntop(cliaddr)
		var pid int
		if forkMode {
			pid, err = unp.RawForkConn(connfd, peer) // child_main, in unp/rawchild.go
		} else {
			pid, err = unp.Fork("child", []string{peer}, connfd)
		}
		if err != nil {
			acceptAt = time.Now().Add(forks.Failed(fmt.Errorf("%s: %w", peer, err)))
		} else {
			forks.Succeeded()
			children[pid] = true
		}
		unp.Close(connfd) // parent closes connected socket
	}
}

// child_main serves the one connection the child was started for and exits.
// It is not a function in serv01.c, where the child's three lines follow
// Fork in main; here the child starts from main, so they get a function of
// their own.
// The parent passes the client's address, which accept gave it, as the
// child's argument: by the time the exec is done a client that reset has no
// address left for getpeername to find.
func child_main(args []string) {
	connfd, peer := unp.ChildFd(0), "(unknown peer)"
	if len(args) == 1 {
		peer = args[0]
	}
	if err := unp.Web_child(connfd); err != nil {
		unp.Err_msg("%s: %v", peer, err)
	}
	os.Exit(0)
}

// childLimit works out maxchildren: as many children as RLIMIT_NPROC
// leaves room for, unp.ChildThreads each (one, a raw child's, with -fork),
// after unp.ParentThreads kept for the parent; where that limit does not
// bind (root, or no limit), as many as the kernel's threads-max allows,
// leaving it half, and at most 8192.
func childLimit(raw bool) (int, string) {
	threads := unp.ChildThreads
	if raw {
		threads = 1
	}
	left, limit := unp.ThreadBudget()
	if limit >= 0 {
		n := max((left-unp.ParentThreads)/threads, 1)
		return n, fmt.Sprintf("RLIMIT_NPROC %d, %d tasks in use, %d threads a child",
			limit, limit-left, threads)
	}
	tmax := 8192 * threads * 2
	if b, err := os.ReadFile("/proc/sys/kernel/threads-max"); err == nil {
		fmt.Sscan(string(b), &tmax)
	}
	return min(tmax/2/threads, 8192), fmt.Sprintf("kernel.threads-max %d, %d threads a child",
		tmax, threads)
}

// sig_chld is called for each child reaped.
//
// Departure: the book's sig_chld (sig_chld_waitpid.c) reaps in silence;
// here a child killed by a signal gets one line, since its client's
// connection is lost.
func sig_chld(pid int, ws unix.WaitStatus) {
	if ws.Stopped() || ws.Continued() {
		return // a stopped child stops only its own client
	}
	delete(children, pid)
	if ws.Signaled() {
		unp.Err_msg("child (pid %d) killed by %s", pid, unix.SignalName(ws.Signal()))
	}
}

// sig_int terminates the children still serving, reaps them, and prints
// the CPU time of the parent and of every child it has reaped.
//
// Departure: serv01.c's sig_int just prints and exits, leaving children
// that are still serving to finish as orphans.
func sig_int() {
	unp.TerminateAll(slices.Collect(maps.Keys(children)))
	unp.Pr_cpu_time()
}
