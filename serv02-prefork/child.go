package main

import (
	"fmt"
	"os"
	"strconv"

	"unp-go.dev/unp"
)

// child_make starts the child for slot i and returns its PID: the book's
// child_make. The child inherits the listening socket as descriptor
// ChildFd(0) and the meter as ChildFd(1).
//
// Departure: the book's Fork returns twice and the child calls child_main
// directly; here the child is this program again, and main sends it to
// child_main.
func child_make(i int) (int, error) {
	return unp.Fork("child", []string{strconv.Itoa(i)}, listenfd, meter.Fd())
}

// child_main is the life of child i: accept a connection, count it, serve
// it, close it, forever. The listening descriptor is raw and blocking, and
// shared by every child: an O_NONBLOCK set by any of them (as Go's net
// package would) would make its siblings' accept fail with EAGAIN.
//
// Departure: the book selects on the listening socket before accept; see
// the thundering herd in the package comment for why this one does not.
func child_main(args []string) {
	i := unp.Child_slot(args)
	listenfd := unp.ChildFd(0)
	meter := unp.Meter_open(unp.ChildFd(1))

	fmt.Printf("child %d starting\n", os.Getpid())
	for {
		connfd, cliaddr, err := unp.Accept(listenfd)
		if err != nil {
			unp.Err_msg("accept: %v", err)
			continue
		}
		meter.Add(i)
		if err := unp.Web_child(connfd); err != nil { // process the request
			unp.Err_msg("%s: %v", unp.Sock_ntop(cliaddr), err)
		}
		unp.Close(connfd)
	}
}
