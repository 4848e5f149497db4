// Package main will hold serv02-prefork; see the README's design table.
package main

import "unp-go.dev/unp"

func main() {
	unp.Err_quit("serv02-prefork: not written yet")
}
