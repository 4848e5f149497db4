// Package main will hold serv03-flock; see the README's design table.
package main

import "unp-go.dev/unp"

func main() {
	unp.Err_quit("serv03-flock: not written yet")
}
