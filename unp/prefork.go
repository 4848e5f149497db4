package unp

import (
	"fmt"
	"os"
)

// Prefork_child_main is the life of child i of serv02, serv03 and serv04,
// whose book listings (child02.c, child03.c, child04.c) differ only in the
// lock: accept a connection on the shared listening socket, count it in the
// meter, serve it with web_child, close it, forever. With a lock (serv03,
// serv04) the child holds it around accept, so only one child at a time
// sleeps in accept and the others sleep on the lock; with none (serv02) all
// of them sleep in accept and the kernel picks one.
//
// The listening descriptor is raw and blocking, and shared by every child:
// an O_NONBLOCK set by any of them (as Go's net package would set it) is set
// on the one open file description, and would make its siblings' accept
// fail with EAGAIN.
//
// Departure: the book's child selects on the listening socket before accept.
// On Linux that only brings back the thundering herd that plain accept
// avoids (see serv02-prefork), so the select is gone.
func Prefork_child_main(i, listenfd int, meter *Meter, lock Lock) {
	fmt.Printf("child %d starting\n", os.Getpid())
	for {
		if lock != nil {
			lock.My_lock_wait()
			HoldLockForTest(i) // test only: see HoldLockForTest
		}
		connfd, cliaddr, err := Accept(listenfd)
		if lock != nil {
			lock.My_lock_release()
		}
		if err != nil {
			Err_msg("accept: %v", err) // e.g. EMFILE: log, go on
			continue
		}
		meter.Add(i)
		if err := Web_child(connfd); err != nil { // process the request
			Err_msg("%s: %v", Sock_ntop(cliaddr), err)
		}
		Close(connfd)
	}
}
