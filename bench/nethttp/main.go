// Nethttp is the server a Go programmer writes for the bench's load with
// the standard library alone: net/http, a handler that answers GET /N with
// N bytes. It stands in the bench's HTTP table beside the designs as the
// peer of serv11-netpoll, which is the same design (a goroutine per
// connection on the netpoller) with the book's web_child instead of
// net/http's machinery: what the table shows between them is what that
// machinery costs.
//
// It is not a design of the chapter and keeps none of the servers' contract
// beyond what the bench needs: it listens on HOST:PORT, and on SIGINT or
// SIGTERM shuts down (net/http's Shutdown: no new connections, the open
// ones finish) and exits 0. The bench takes its CPU from wait4, as it does
// for nginx and Apache.
//
// Usage:
//
//	nethttp host port
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// maxN is the largest reply, the book's MAXN.
const maxN = 16384

// body is every reply's bytes; only their number matters.
var body [maxN]byte

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: nethttp host port")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(os.Args[1], os.Args[2]))
	if err != nil {
		fmt.Fprintln(os.Stderr, "nethttp:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: http.HandlerFunc(serve), ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 10 * time.Second}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		<-sigs
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx) // Serve returns at once; the open connections end here
		close(done)
	}()
	fmt.Println("listening on", ln.Addr())
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "nethttp:", err)
		os.Exit(1)
	}
	<-done
}

// serve answers GET or HEAD /N with N bytes, N from 1 to maxN.
func serve(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Path[1:])
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		http.Error(w, "method not implemented", http.StatusNotImplemented)
	case err != nil || n < 1 || n > maxN:
		http.NotFound(w, r)
	default:
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body[:n])
	}
}
