package unp

import (
	"os"
	"os/signal"
	"syscall"
)

// Signal arranges for sig_int to run when SIGINT or SIGTERM arrives, and
// for the process to exit with status 0 when it returns: the book's
// Signal(SIGINT, sig_int) with a handler that ends in exit(0).
//
// Departure: a C handler (lib/signal.c) interrupts whatever the process was doing; Go
// delivers signals to a channel, and sig_int runs on its own goroutine while
// the rest of the program goes on. Call Signal before Ready, so that a
// signal arriving once the server is announced is never lost. SIGTERM runs
// sig_int too; the book's servers catch SIGINT alone, and die of SIGTERM
// without a report.
func Signal(sig_int func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigs
		sig_int()
		os.Exit(0)
	}()
}
