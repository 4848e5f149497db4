package main

import (
	"fmt"

	"unp-go.dev/unp"
)

// thread_make starts thread i of the pool: the book's thread_make, which
// returns at once while the thread runs thread_main.
func thread_make(i int) {
	go thread_main(i)
}

// thread_main is the life of one pool thread: wait until the ring holds a
// descriptor, take it out under the mutex, count it, serve it, forever.
// While it waits in clifd_cond.Wait the goroutine is parked in the Go
// runtime and holds no OS thread; the book's thread sleeps in the kernel.
func thread_main(i int) {
	fmt.Printf("thread %d starting\n", i)
	started.Done() // Departure: main announces the server once all have (not in pthread08.c)
	for {
		clifd_mutex.Lock()
		for iget == iput {
			clifd_cond.Wait()
		}
		connfd, addr := clifd[iget], cliaddr[iget] // connected socket to service
		cliaddr[iget] = nil
		if iget++; iget == MAXNCLI {
			iget = 0
		}
		clifdSpace.Signal() // Departure: main may be waiting for this slot (not in pthread08.c)
		clifd_mutex.Unlock()
		tptr[i].thread_count.Add(1)

		// Departure: the ring of pthread08.h holds only the descriptor. Main puts
		// the address accept gave it beside it, for the error line: asking
		// getpeername later finds nobody once a client has reset.
		if err := unp.Web_child(connfd); err != nil { // process the request
			unp.Err_msg("%s: %v", unp.Sock_ntop(addr), err)
		}
		unp.Close(connfd)
	}
}
