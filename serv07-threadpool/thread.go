package main

import (
	"fmt"
	"sync/atomic"
	"time"

	"unp-go.dev/unp"
)

// Thread is the book's per-thread bookkeeping (pthread07.h), one slot of
// the array tptr. Departure: the book's thread_tid has no Go counterpart (a
// goroutine has no ID); the count is atomic because sig_int reads it from
// another goroutine while the thread may still be adding to it.
type Thread struct {
	thread_count atomic.Int64 // # connections handled
}

// thread_make starts thread i of the pool: the book's thread_make, which
// returns at once while the thread runs thread_main.
func thread_make(i int) {
	go thread_main(i)
}

// thread_main is the life of one pool thread: lock, accept, unlock, count,
// serve, forever. Only one thread at a time sleeps in accept(2); the others
// wait for the mutex. (With -nolock, pthread09.c's loop, all of them sleep
// in accept and the kernel wakes one per connection.)
//
// Departure: pthread07.c's thread dies with the process on any error; here an
// accept error is waited out (unp.Backoff: one line a second at most, a
// pause that doubles up to half a second) and the thread goes on, and a
// connection's error or panic (Web_child returns both) ends only that
// connection. Once sig_int
// has shut the listening socket down, accept fails and the thread ends
// quietly.
func thread_main(i int) {
	fmt.Printf("thread %d starting\n", i)
	started.Done() // Departure: main announces the server once all have (not in pthread07.c)
	for {
		if !nolock {
			mlock.Lock()
		}
		connfd, cliaddr, err := unp.Accept(listenfd)
		if !nolock {
			mlock.Unlock()
		}
		if err != nil {
			if stopping.Load() {
				return
			}
			time.Sleep(accepts.Failed(err)) // e.g. EMFILE: say so, wait, try again
			continue
		}
		accepts.Succeeded()
		tptr[i].thread_count.Add(1)

		if err := unp.Web_child(connfd); err != nil { // process the request
			unp.Err_msg("%s: %v", unp.Sock_ntop(cliaddr), err)
		}
		unp.Close(connfd)
	}
}
