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
// ChildFd(0), the meter as ChildFd(1) and the lock file as ChildFd(2).
func child_make(i int) (int, error) {
	if forkMode {
		return unp.RawPrefork(i, listenfd, meter, lock) // child_main's loop, in unp/rawchild.go
	}
	return unp.Fork("child", []string{strconv.Itoa(i)}, listenfd, meter.Fd(), lock.Fd())
}

// child_main is the life of a child: take the file lock, accept, release
// it, count and serve the connection, forever (Figure 30.14). The one child
// holding the lock sleeps in accept(2); the others sleep in fcntl(F_SETLKW).
// Serv02-prefork's child_main is this loop without the two lock calls. The
// loop is child03m.c's: child03.c's with the meter counting after release.
func child_main(args []string) {
	i := unp.PoolChild(args)
	listenfd := unp.ChildFd(0)
	meter := unp.OpenMeter(unp.ChildFd(1))
	lock := unp.OpenFileLock(unp.ChildFd(2)) // this process's handle on the parent's lock

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
