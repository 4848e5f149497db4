//go:build cgo && !netgo

package main

// The loads beyond the book's use package net (load.go), which links its
// cgo resolver, and with it the C library, whenever cgo is available. A
// dynamically linked client would pay the dynamic loader at each child's
// exec; this keeps the binary static. Without cgo, or with -tags netgo, the
// file is left out and the Go linker writes a static binary by itself.
// The //go:debug line of main.go keeps Go's own resolver in use, so the
// static getaddrinfo the linker warns about is never called.

// #cgo LDFLAGS: -static
import "C"
