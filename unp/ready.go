package unp

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Ready announces that a server is ready: signal handlers installed, socket
// listening, every child or thread started. It prints
// "listening on HOST:PORT" on standard output and, if the environment
// variable UNP_ADDR_FILE names a file, writes "HOST:PORT\n" to it. The file
// is written under a temporary name and renamed, so whoever polls for it
// never reads half an address. Tests and the benchmark wait for that file,
// never by sleeping.
//
// Departure: the book's servers (serv02.c to serv08.c) say nothing until
// SIGINT (only their children and threads announce themselves, "child PID
// starting"); here every server says when it is ready, on stdout and in
// UNP_ADDR_FILE, so that tests and the bench never wait by sleeping.
func Ready(listenfd int) {
	reserveTimers() // before the accept loop can run out of descriptors: see Backoff
	sa, err := unix.Getsockname(listenfd)
	if err != nil {
		Err_sys(err, "getsockname")
	}
	addr := Sock_ntop(sa)
	fmt.Printf("listening on %s\n", addr)
	path := os.Getenv("UNP_ADDR_FILE")
	if path == "" {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".addr-*")
	if err == nil {
		_, err = tmp.WriteString(addr + "\n")
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
	}
	if err != nil {
		Err_sys(err, "writing UNP_ADDR_FILE %s", path)
	}
}
