// Package main will hold torture; see the README's design table.
package main

import "unp-go.dev/unp"

func main() {
	unp.Err_quit("torture: not written yet")
}
