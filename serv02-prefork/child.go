package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// child_make starts the child for slot i and returns its PID: the book's
// child_make. The child inherits the listening socket as descriptor
// ChildFd(0) and the meter as ChildFd(1).
//
// Departure: in child02.c Fork returns twice and the child calls child_main
// directly; here the child is this program again, and main sends it to
// child_main.
func child_make(i int) (int, error) {
	if forkMode {
		return unp.RawPrefork(i, listenfd, meter, nil) // child_main's loop, in unp/rawchild.go
	}
	args := []string{strconv.Itoa(i)}
	if selectFirst {
		args = append(args, "-select")
	}
	return unp.Fork("child", args, listenfd, meter.Fd())
}

// child_main is the life of a child: accept, count, serve, close, forever.
// Every idle child sleeps in accept(2) on the one listening socket, and the
// kernel wakes one of them per connection.
//
// The listening descriptor is raw and blocking, and shared by every child:
// an O_NONBLOCK set by any of them (as Go's net package would set it) is set
// on the one open file description, and would make its siblings' accept
// fail with EAGAIN.
//
// This is child02.c's loop with child02m.c's meter.Add after accept. With
// -select it is child02l.c's: a select on the listening socket before each
// accept (selectListen, below), which on Linux brings back the herd that
// plain accept avoids (see the package comment).
func child_main(args []string) {
	i := unp.PoolChild(args)
	selectFirst := len(args) > 1 && args[1] == "-select"
	listenfd := unp.ChildFd(0)
	meter := unp.OpenMeter(unp.ChildFd(1))

	accepts := unp.Backoff{What: "accept"}
	fmt.Printf("child %d starting\n", os.Getpid())
	var rset unix.FdSet
	for {
		if selectFirst {
			selectListen(&rset, listenfd)
		}
		connfd, cliaddr, err := unp.Accept(listenfd)
		if err != nil {
			time.Sleep(accepts.Failed(err)) // e.g. EMFILE: say so, wait, try again
			continue
		}
		accepts.Succeeded()
		meter.Add(i)

		if err := unp.Web_child(connfd); err != nil { // process the request
			unp.Err_msg("%s: %v", unp.Sock_ntop(cliaddr), err)
		}
		unp.Close(connfd)
	}
}

//!+select

// selectListen is what child02l.c does before its Accept: FD_SET, then
// Select until the listening socket is readable. Select does not take the
// connection: every child in select is on the socket's wait queue as a
// non-exclusive waiter (poll_wait), so one connection wakes them all
// (sock_def_readable, wake_up_interruptible_sync_poll), which is the
// book's "select collision". They all return and call accept; one wins,
// and the rest, the listening socket being blocking, sleep in accept,
// where each is an exclusive waiter and the next connection wakes only
// one of them. So under load most children are in accept, not select,
// and the herd is smaller than #children: only the children that came back
// to select since the last connection wake together.
func selectListen(rset *unix.FdSet, listenfd int) {
	rset.Zero()
	rset.Set(listenfd)
	unp.Select(listenfd+1, rset, nil)
	if !rset.IsSet(listenfd) {
		unp.Err_quit("listenfd readable") // the book's check: cannot happen
	}
}

//!-select
