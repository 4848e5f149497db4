package main

import (
	"strconv"

	"unp-go.dev/unp"
)

// child_make starts the child for slot i and returns its PID: the book's
// child_make. The child inherits the listening socket as descriptor
// ChildFd(0), the meter as ChildFd(1) and the mutex's memfd as ChildFd(2).
func child_make(i int) (int, error) {
	return unp.Fork("child", []string{strconv.Itoa(i)}, listenfd, meter.Fd(), lock.Fd())
}

// child_main is the life of a child: take the mutex, accept, release
// it, count and serve the connection, forever (unp.Prefork_child_main).
func child_main(args []string) {
	lock := unp.My_mutex_open(unp.ChildFd(2))
	unp.Prefork_child_main(unp.Child_slot(args), unp.ChildFd(0), unp.Meter_open(unp.ChildFd(1)), lock)
}
