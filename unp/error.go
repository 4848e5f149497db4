package unp

import (
	"fmt"
	"os"
	"path/filepath"
)

// Err_msg prints one line on standard error, prefixed with the program's
// name, and returns: the book's err_msg (lib/error.c). The line goes out in a
// single write(2), so lines from sibling processes sharing stderr never mix.
//
// Departure: each line starts with the program's name, which the book's
// err_doit (lib/error.c) leaves out: several processes share one stderr
// here.
func Err_msg(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	os.Stderr.WriteString(progname() + ": " + msg + "\n")
}

// Err_quit prints a message and exits with status 1: the book's err_quit,
// for unrecoverable conditions at set-up that are not system-call failures.
func Err_quit(format string, a ...any) {
	Err_msg(format, a...)
	os.Exit(1)
}

// Err_sys prints a message and the system error err, then exits with
// status 1: the book's err_sys, which appends strerror(errno).
func Err_sys(err error, format string, a ...any) {
	Err_msg("%s: %v", fmt.Sprintf(format, a...), err)
	os.Exit(1)
}

func progname() string { return filepath.Base(os.Args[0]) }
