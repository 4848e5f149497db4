//go:build !(linux && (amd64 || arm64))

package unp

import (
	"errors"
	"runtime"
)

// errNoRawFork is what the raw forks return where rawfork.go is not built:
// its child's system calls and structures are written for 64-bit Linux on
// amd64 and arm64, and TestRawChild reads amd64's machine code.
var errNoRawFork = errors.New("-fork: no raw fork on " + runtime.GOOS + "/" + runtime.GOARCH)

// RawPrefork is rawfork.go's, where it is built.
func RawPrefork(i, listenfd int, meter *Meter, lock Lock) (int, error) { return -1, errNoRawFork }

// RawForkFdpass is rawfork.go's, where it is built.
func RawForkFdpass(pipefd int) (int, error) { return -1, errNoRawFork }

// RawForkConn is rawfork.go's, where it is built.
func RawForkConn(connfd int, peer string) (int, error) { return -1, errNoRawFork }
