// Package main will hold serv01-fork; see the README's design table.
package main

import "unp-go.dev/unp"

func main() {
	unp.Err_quit("serv01-fork: not written yet")
}
