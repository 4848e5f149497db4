package main

import (
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

// child_main is the life of a child: accept, count, serve, forever, with
// no lock (unp.Prefork_child_main).
func child_main(args []string) {
	unp.Prefork_child_main(unp.Child_slot(args), unp.ChildFd(0), unp.Meter_open(unp.ChildFd(1)), nil)
}
