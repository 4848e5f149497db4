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
	child_pipefd int   // parent's stream pipe to/from child; -1 once it has hung up
	child_status int   // 0 = ready
	child_count  int64 // # connections handled
}

var cptr []Child // array of Child structures, one per slot

// child_make creates the stream pipe for slot i and the child on its other
// end, and fills in the slot: the book's child_make. The child finds its end
// of the pipe at ChildFd(0).
//
// Departure: the book's child dup2s its end onto standard error and closes
// the listening socket it inherited. Here the child inherits nothing but its
// end of the pipe, and keeps stderr for its error lines.
func child_make(i int) {
	sockfd, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		unp.Err_sys(err, "socketpair")
	}
	pid, err := unp.Fork("child", []string{strconv.Itoa(i)}, sockfd[1])
	unp.Close(sockfd[1]) // the child has its own copy
	if err != nil {
		unp.Err_msg("child_make %d: %v", i, err) // the slot stays empty
		unp.Close(sockfd[0])
		cptr[i] = Child{0, -1, 1, cptr[i].child_count}
		return
	}
	cptr[i] = Child{pid, sockfd[0], 0, cptr[i].child_count}
	navail++
}

// child_main is the life of a child: receive a connected descriptor from
// the parent, serve it, close it, and write one byte back to say it is
// ready for the next. EOF on the pipe means the parent has gone.
func child_main(args []string) {
	unp.ChildSlot(args)
	pipefd := unp.ChildFd(0)

	fmt.Printf("child %d starting\n", os.Getpid())
	c := make([]byte, 1)
	for {
		n, connfd, err := unp.Read_fd(pipefd, c)
		if err != nil {
			unp.Err_sys(err, "read_fd")
		}
		if n == 0 {
			os.Exit(0) // the parent closed its end: we are not wanted
		}
		if connfd < 0 {
			unp.Err_quit("no descriptor from read_fd")
		}

		// Name the peer now: after a reset, getpeername has no one to name.
		peer := unp.Peer(connfd)
		if err := unp.Web_child(connfd); err != nil { // process request
			unp.Err_msg("%s: %v", peer, err)
		}
		unp.Close(connfd)

		if err := unp.Writen(pipefd, c[:1]); err != nil { // tell parent we're ready again
			unp.Err_sys(err, "write to parent")
		}
	}
}
