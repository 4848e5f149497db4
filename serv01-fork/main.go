// See UNPv1 3e, section 30.5, Figure 30.4 (server/serv01.c).

// Serv01-fork is the traditional concurrent server: the parent accepts a
// connection and creates a child process to serve it, then goes back to
// accept while the child serves the client with web_child and exits.
//
// Departure: Go cannot fork without exec (see unp.Fork), so the child is
// this program started again, with the connected socket as its only
// inherited descriptor (ChildFd(0)). The book's child closes the listening
// socket it inherited by fork; this one never has it, because every
// descriptor here is close-on-exec unless it is passed on purpose.
//
// Cost. A process per connection, and here also an exec and a Go runtime
// start-up. The book's Figure 30.1 already shows fork-per-client as the most
// expensive design by far; exec makes it worse. Measured on this machine
// (2 vCPU VM, Linux 6.18, shared and busy: take the ratio, not the figures),
// with the client 127.0.0.1 PORT 2 200 4000, three runs each: the book's C
// serv01, whose child is a plain fork(2), used 3.4 to 3.9 ms of CPU
// (user+sys, parent and children) per connection; this server used 12 to
// 15 ms, three and a half to four times as much. The extra 9 to 11 ms is the
// exec of a 3 MB static binary and the Go runtime's start-up in every child
// (BenchmarkFork in unp times one Fork and wait of a child that does
// nothing; its child is the larger unp test binary, 15 ms of CPU here).
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
// Failure mode. One process per client and no limit: a burst of clients
// creates a burst of processes, and the server's cost grows with the load
// until fork fails (EAGAIN) or memory runs out; each connection that cannot
// get a child is closed with one line on stderr, and the server goes on.
//
// Usage:
//
//	serv01-fork [ <host> ] <port#>
//
// Ctrl-C (SIGINT) or SIGTERM terminates and reaps the children still serving,
// prints "user time = U, sys time = S" for the parent and all its children,
// and exits.
package main

import (
	"maps"
	"os"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

var children = map[int]bool{} // PIDs of the children still serving

func main() {
	if _, _, ok := unp.Child(); ok {
		child_main() // never returns
	}
	listenfd := unp.ListenArgs("serv01-fork [ <host> ] <port#>")
	// Departure: the listening socket is non-blocking, so that a client that
	// resets between select and accept cannot leave the parent blocked in
	// accept with signals waiting. Only the parent has it.
	if err := unix.SetNonblock(listenfd, true); err != nil {
		unp.Err_sys(err, "O_NONBLOCK")
	}
	sigfd := unp.SignalPipe()
	unp.Ready(listenfd)

	for {
		var rset unix.FdSet
		rset.Set(listenfd)
		rset.Set(sigfd)
		unp.Select(max(listenfd, sigfd)+1, &rset)
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
		connfd, _, err := unix.Accept4(listenfd, unix.SOCK_CLOEXEC)
		if err != nil {
			if err != unix.EINTR && err != unix.EAGAIN && err != unix.ECONNABORTED {
				unp.Err_msg("accept error: %v", err) // e.g. EMFILE: log, go on
			}
			continue // back to for()
		}
		pid, err := unp.Fork("child", nil, connfd)
		if err != nil {
			unp.Err_msg("%s: %v", unp.Peer(connfd), err)
		} else {
			children[pid] = true
		}
		unp.Close(connfd) // parent closes connected socket
	}
}

// child_main serves the one connection the child was started for and exits.
func child_main() {
	connfd := unp.ChildFd(0)
	peer := unp.Peer(connfd) // now: after a reset there is no peer to name
	if err := unp.Web_child(connfd); err != nil {
		unp.Err_msg("%s: %v", peer, err)
	}
	os.Exit(0)
}

// sig_chld is called for each child reaped. A child that did not exit by
// itself (killed by a signal) is worth a line; its client's connection is
// lost.
func sig_chld(pid int, ws unix.WaitStatus) {
	delete(children, pid)
	if ws.Signaled() {
		unp.Err_msg("child (pid %d) killed by %s", pid, unix.SignalName(ws.Signal()))
	}
}

// sig_int terminates the children still serving, reaps them, and prints
// the CPU time of the parent and of every child it has reaped.
//
// Departure: the book's sig_int just prints and exits, leaving children
// that are still serving to finish as orphans.
func sig_int() {
	unp.TerminateAll(slices.Collect(maps.Keys(children)))
	unp.Pr_cpu_time()
}
