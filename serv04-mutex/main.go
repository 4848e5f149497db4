// Package main will hold serv04-mutex; see the README's design table.
package main

import "unp-go.dev/unp"

func main() {
	unp.Err_quit("serv04-mutex: not written yet")
}
