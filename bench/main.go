// Package main will hold bench; see the README's design table.
package main

import "unp-go.dev/unp"

func main() {
	unp.Err_quit("bench: not written yet")
}
