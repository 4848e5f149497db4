package main

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// Child is one row of the parent's table (the book's Child, child.h).
type Child struct {
	child_pid    int   // process ID; 0 while the slot is empty
	child_pipefd int   // parent's stream pipe to/from child; -1 while there is none
	child_status int   // ready or busy
	child_count  int64 // # connections handled
	stopped      bool  // Departure: not in child.h; stopped, so passed nothing
}

// The values of child_status.
const (
	ready = 0 // waiting in read_fd for a descriptor
	busy  = 1 // serving one, or no child at all in the slot
)

var cptr []Child // array of Child structures, one per slot

var forkMode bool // -fork: children cloned, with no exec

// navail is the book's count of available children, which main's select
// leaves the listener out without.
//
// Departure: serv05.c keeps navail in a variable, adjusted wherever a
// status changes; here it is counted afresh from the table each time round
// main's loop, so that it cannot drift from the table while children die,
// stop and are replaced.
func navail() int {
	n := 0
	for i := range cptr {
		if available(i) {
			n++
		}
	}
	return n
}

// available reports whether child i can take a connection now: the book's
// child_status == 0. The book has no stopped children (its parent never
// asks) and no empty slots.
func available(i int) bool {
	return cptr[i].child_status == ready && !cptr[i].stopped && cptr[i].child_pipefd >= 0
}

// child_make creates the stream pipe for slot i and the child on its other
// end, and fills in the slot: the book's child_make. The child finds its end
// of the pipe at ChildFd(0). The slot must be empty (see hungUp in tend.go).
//
// Departure: child05.c's child dup2s its end onto standard error and closes
// the listening socket it inherited. Here the child inherits nothing but its
// end of the pipe, and keeps stderr for its error lines.
func child_make(i int) error {
	sockfd, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socketpair: %w", err)
	}
	var pid int
	if forkMode {
		pid, err = unp.RawForkFdpass(sockfd[1]) // child_main's loop, in unp/rawchild.go
	} else {
		pid, err = unp.Fork("child", []string{strconv.Itoa(i)}, sockfd[1])
	}
	unp.Close(sockfd[1]) // the child has its own copy
	if err != nil {
		unp.Close(sockfd[0])
		return err // the slot stays empty and busy
	}
	cptr[i].child_pid = pid
	cptr[i].child_pipefd = sockfd[0]
	cptr[i].child_status = ready
	cptr[i].stopped = false
	return nil
}

// child_main is the life of a child: receive a connected descriptor from
// the parent, serve it, close it, and write one byte back to say it is
// ready for the next.
//
// Departure: serv05.c's parent sends one byte of nothing with the
// descriptor; this one sends the client's address, which its accept
// returned, so that the child can name the client in an error line. Asking
// getpeername here instead would be too late for a client that has already
// reset: a reset connection has no peer.
//
// Departure: EOF on the pipe means the parent has gone, and the child exits
// 0 in silence, where child05.c's calls err_quit ("read_fd returned 0"): the
// parent closes the pipe of a child it is done with, and that is no error.
func child_main(args []string) {
	unp.PoolChild(args) // the slot is the parent's business: it keeps the counts
	pipefd := unp.ChildFd(0)

	fmt.Printf("child %d starting\n", os.Getpid())
	var c [64]byte // the peer's address, HOST:PORT
	for {
		n, connfd, err := unp.Read_fd(pipefd, c[:])
		if err != nil {
			unp.Err_sys(err, "read_fd")
		}
		if n == 0 {
			os.Exit(0) // the parent closed its end: we are not wanted
		}
		if connfd < 0 {
			unp.Err_quit("no descriptor from read_fd")
		}
		peer := string(c[:n])

		if err := unp.Web_child(connfd); err != nil { // process request
			unp.Err_msg("%s: %v", peer, err)
		}
		unp.Close(connfd)

		if err := unp.Writen(pipefd, c[:1]); err != nil { // tell parent we're ready again
			unp.Err_sys(err, "write to parent")
		}
	}
}
