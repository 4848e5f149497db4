// Package main will hold serv05-fdpass; see the README's design table.
package main

import "unp-go.dev/unp"

func main() {
	unp.Err_quit("serv05-fdpass: not written yet")
}
