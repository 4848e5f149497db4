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
// never by sleeping. Last, it tells a service manager (Notify): READY=1,
// after the lines in state, in one message (serv13's successor adds
// MAINPID=, so that the manager takes it for the server at the moment it
// is ready, not before).
//
// Departure: the book's servers (serv02.c to serv08.c) say nothing until
// SIGINT (only their children and threads announce themselves, "child PID
// starting"); here every server says when it is ready, on stdout and in
// UNP_ADDR_FILE, so that tests and the bench never wait by sleeping.
func Ready(listenfd int, state ...string) {
	reserveTimers() // before the accept loop can run out of descriptors: see Backoff
	sa, err := unix.Getsockname(listenfd)
	if err != nil {
		Err_sys(err, "getsockname")
	}
	addr := Sock_ntop(sa)
	fmt.Printf("listening on %s\n", addr)
	if path := os.Getenv("UNP_ADDR_FILE"); path != "" {
		if err := ReplaceFile(path, addr+"\n"); err != nil {
			Err_sys(err, "writing UNP_ADDR_FILE %s", path)
		}
	}
	Notify(append(state, "READY=1")...)
}

// ReplaceFile writes data to path under a temporary name in the same
// directory and renames it into place, so that whoever reads path finds
// the old contents or the new, never half of either: UNP_ADDR_FILE here,
// serv13's PID file.
func ReplaceFile(path, data string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	_, err = tmp.WriteString(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644) // CreateTemp's 0600 would hide it from others
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
