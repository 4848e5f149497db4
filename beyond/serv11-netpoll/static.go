//go:build cgo && !netgo

package main

// Package net links its cgo resolver, and with it the C library, whenever
// cgo is available; this makes the program static anyway (see the package
// comment). Without cgo, or with -tags netgo, the file is left out and the
// Go linker writes a static binary by itself.

// #cgo LDFLAGS: -static
import "C"
