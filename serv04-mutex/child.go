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
// ChildFd(0), the meter as ChildFd(1) and the mutex's memfd as ChildFd(2).
func child_make(i int) (int, error) {
	if forkMode {
		return unp.RawPrefork(i, listenfd, meter, lock) // child_main's loop, in unp/rawchild.go
	}
	return unp.Fork("child", []string{strconv.Itoa(i)}, listenfd, meter.Fd(), lock.Fd())
}

// child_main is the life of a child: take the mutex, accept, release it,
// count and serve the connection, forever. It is serv03-flock's child_main
// with the other lock: the one child holding the mutex sleeps in accept(2),
// the others on the futex word in the shared page. The mutex names its
// holder by a thread ID, which the first My_lock_wait finds once for the
// whole child (see unp/lock_pthread.go for why one will do), not per call.
func child_main(args []string) {
	i := unp.PoolChild(args)
	listenfd := unp.ChildFd(0)
	meter := unp.OpenMeter(unp.ChildFd(1))
	lock := unp.OpenSharedMutex(unp.ChildFd(2)) // maps the parent's page

	accepts := unp.Backoff{What: "accept"}
	fmt.Printf("child %d starting\n", os.Getpid())
	for {
		lock.My_lock_wait()
		connfd, cliaddr, err := unp.Accept(listenfd)
		lock.My_lock_release()
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
