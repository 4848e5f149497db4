// Package main will hold serv08-mainaccept; see the README's design table.
package main

import "unp-go.dev/unp"

func main() {
	unp.Err_quit("serv08-mainaccept: not written yet")
}
