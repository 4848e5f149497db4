// Package main will hold serv06-thread; see the README's design table.
package main

import "unp-go.dev/unp"

func main() {
	unp.Err_quit("serv06-thread: not written yet")
}
