// See UNPv1 3e, section 30.4 (server/serv00.c).

// Serv00-iterative is the baseline of Figure 30.1: one process that
// accepts a connection, serves it to the end with web_child, closes it and
// only then accepts the next.
//
// Design. No process or thread is created, no lock taken: the CPU time this
// server reports for a client run is the cost of the work itself (TCP set-up
// and tear-down, reading requests, writing replies). Figure 30.1 subtracts
// it from every other design to show what each design's process or thread
// control adds.
//
// Cost. The least CPU of all designs, but one client at a time: every other
// client waits in the kernel's listen queue (up to LISTENQ connections, then
// the kernel drops SYNs and clients retry). With the book's load it is still
// fast, because each connection is short and the client is on the same host.
//
// Failure mode. A client that connects and sends nothing blocks every other
// client for as long as the server is willing to wait on it: with no timeout,
// forever. That is why web_child bounds every read and write with the idle
// timeout (UNP_IDLE_TIMEOUT, default 10s): here it is the only defence.
// A bad request ends its own connection with one line on stderr.
//
// Usage:
//
//	serv00-iterative [ <host> ] <port#>
//
// Ctrl-C (SIGINT) or SIGTERM prints "user time = U, sys time = S" and exits.
package main

import (
	"time"

	"unp-go.dev/unp"
)

func main() {
	listenfd := unp.ListenArgs("serv00-iterative [ <host> ] <port#>")

	unp.Signal(sig_int)
	unp.Ready(listenfd)

	accepts := unp.Backoff{What: "accept"}
	for {
		connfd, cliaddr, err := unp.Accept(listenfd)
		if err != nil {
			time.Sleep(accepts.Failed(err)) // e.g. EMFILE: say so, wait, try again
			continue
		}
		accepts.Succeeded()
		if err := unp.Web_child(connfd); err != nil { // process the request
			unp.Err_msg("%s: %v", unp.Sock_ntop(cliaddr), err)
		}
		unp.Close(connfd) // parent closes connected socket
	}
}

// sig_int runs on SIGINT or SIGTERM: the book's sig_int, which prints the
// CPU time; the process then exits.
func sig_int() {
	unp.Pr_cpu_time()
}
