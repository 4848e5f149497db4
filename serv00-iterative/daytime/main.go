// See UNPv1 3e, section 1.5, Figure 1.9 (intro/daytimetcpsrv.c).

// Daytime is the book's first server, and the simplest iterative TCP server:
// the design chapter 30 measures the others against (serv00). It accepts a
// connection, writes the current time in ctime(3) format followed by CR LF
// (the daytime protocol, RFC 867), closes, and accepts the next.
// It serves one client at a time, which costs nothing here because each
// client is done after one short write.
//
// Departure: the book's daytimetcpsrv.c binds the well-known port 13 on the IPv4 wildcard;
// this one takes the book's usual [host] port arguments (port 13 needs root),
// announces itself like every server here, and on SIGINT or SIGTERM prints
// its CPU time and exits.
//
// Usage:
//
//	daytime [ <host> ] <port#>
package main

import (
	"time"

	"unp-go.dev/unp"
)

func main() {
	listenfd := unp.ListenArgs("daytime [ <host> ] <port#>")
	unp.Signal(unp.Pr_cpu_time)
	unp.Ready(listenfd)

	accepts := unp.Backoff{What: "accept"}
	for {
		connfd, cliaddr, err := unp.Accept(listenfd)
		if err != nil {
			time.Sleep(accepts.Failed(err)) // e.g. EMFILE: say so, wait, try again
			continue
		}
		accepts.Succeeded()
		// ctime(3) format, "%.24s\r\n" as the book: Mon Jan  2 15:04:05 2006
		buff := time.Now().Format(time.ANSIC) + "\r\n"
		if err := unp.Writen(connfd, []byte(buff)); err != nil {
			unp.Err_msg("%s: %v", unp.Sock_ntop(cliaddr), err)
		}
		unp.Close(connfd)
	}
}
