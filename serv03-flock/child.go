package main

import (
	"fmt"
	"os"
	"strconv"

	"unp-go.dev/unp"
)

// child_make starts the child for slot i and returns its PID: the book's
// child_make. The child inherits the listening socket as descriptor
// ChildFd(0), the meter as ChildFd(1) and the lock file as ChildFd(2).
func child_make(i int) (int, error) {
	return unp.Fork("child", []string{strconv.Itoa(i)}, listenfd, meter.Fd(), lock.Fd())
}

// child_main is the life of child i: take the lock, accept, release the
// lock, count and serve the connection, forever. The book's select before
// accept is gone, as in serv02-prefork.
func child_main(args []string) {
	i := unp.Child_slot(args)
	listenfd := unp.ChildFd(0)
	meter := unp.Meter_open(unp.ChildFd(1))
	lock := unp.My_lock_open(unp.ChildFd(2))

	fmt.Printf("child %d starting\n", os.Getpid())
	for {
		lock.My_lock_wait()
		unp.HoldLockForTest(i) // test only: see the package comment
		connfd, cliaddr, err := unp.Accept(listenfd)
		lock.My_lock_release()
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
