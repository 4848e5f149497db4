// Package main will hold serv07-threadpool; see the README's design table.
package main

import "unp-go.dev/unp"

func main() {
	unp.Err_quit("serv07-threadpool: not written yet")
}
