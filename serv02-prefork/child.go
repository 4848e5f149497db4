package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

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

// child_main is the life of a child: accept, count, serve, close, forever.
// Every idle child sleeps in accept(2) on the one listening socket, and the
// kernel wakes one of them per connection.
//
// The listening descriptor is raw and blocking, and shared by every child:
// an O_NONBLOCK set by any of them (as Go's net package would set it) is set
// on the one open file description, and would make its siblings' accept
// fail with EAGAIN.
//
// Departure: the book's child selects on the listening socket before accept.
// On Linux that only brings back the thundering herd that plain accept
// avoids (see the package comment), so the select is gone.
func child_main(args []string) {
	i := unp.PoolChild(args)
	listenfd := unp.ChildFd(0)
	meter := unp.OpenMeter(unp.ChildFd(1))

	accepts := unp.Backoff{What: "accept"}
	fmt.Printf("child %d starting\n", os.Getpid())
	for {
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
