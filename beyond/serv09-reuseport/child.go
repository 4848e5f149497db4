package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"unp-go.dev/unp"
)

// child_make opens a listener of the port's reuseport group for slot i,
// starts the child with it as descriptor ChildFd(0) and the meter as
// ChildFd(1), and returns the child's PID.
//
// The parent opens the listener, not the child, so that it is listening
// before Ready announces the server: a child that bound its own would race
// the first clients. The parent then closes its copy, so that the socket
// dies with the child, and a replacement (unp.Children calls child_make
// again) gets a new one.
//
// Under socket activation every child gets the inherited socket instead
// (see the package comment), and the parent keeps it.
func child_make(i int) (int, error) {
	if sharedfd >= 0 {
		return unp.Fork("child", []string{strconv.Itoa(i)}, sharedfd, meter.Fd())
	}
	listenfd, err := unp.ReusePortListen(reservefd)
	if err != nil {
		return -1, err
	}
	defer unp.Close(listenfd)
	return unp.Fork("child", []string{strconv.Itoa(i)}, listenfd, meter.Fd())
}

// child_main is the life of a child, serv02's loop: accept, count, serve,
// close, forever. The listening socket is this child's alone, so it has the
// connections the kernel hashed to it and no other, and no sibling ever
// sleeps on it.
//
// An accept that fails for want of a resource (EMFILE) would fail again at
// once, the connection still queued: it backs off instead of spinning, as
// serv02's does.
func child_main(args []string) {
	i := unp.PoolChild(args)
	listenfd := unp.ChildFd(0)
	meter := unp.OpenMeter(unp.ChildFd(1))
	backoff := unp.Backoff{What: "accept"}

	fmt.Printf("child %d starting\n", os.Getpid())
	for {
		connfd, cliaddr, err := unp.Accept(listenfd)
		if err != nil {
			time.Sleep(backoff.Failed(err)) // e.g. EMFILE: say so, wait, try again
			continue
		}
		backoff.Succeeded()
		meter.Add(i)

		if err := unp.Web_child(connfd); err != nil { // process the request
			unp.Err_msg("%s: %v", unp.Sock_ntop(cliaddr), err)
		}
		unp.Close(connfd)
	}
}
