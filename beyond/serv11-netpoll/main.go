//go:debug netdns=go

// See UNPv1 3e, Figures 30.26-30.29 (server/serv06.c, server/serv07.c),
// written as a Go programmer would: package net, whose sockets park
// goroutines on the runtime's netpoller.

// Serv11-netpoll is serv06-thread with one change: its sockets are Go's
// net package's, not raw descriptors. The main goroutine calls Accept on a
// net.Listener in a loop and starts a goroutine per connection, which
// serves it with web_child and closes it. With #threads, it is serv07
// instead: that many goroutines call Accept on the one listener, and each
// serves what it gets.
//
// Design. Package net puts every socket in non-blocking mode and registers
// it with the runtime's netpoller (epoll, one set per process). A goroutine
// whose Read or Accept would block is parked inside the runtime, holding no
// OS thread, and one thread's epoll_wait wakes whichever goroutines their
// sockets made ready: serv10-epoll's event loop, written by the runtime,
// with a goroutine's stack in place of a state machine. So a thousand idle
// clients cost a thousand parked goroutines (a few KB of stack each) and no
// thread, where serv06 pays a thread each. This is every Go server today
// (net/http included). With #threads the goroutines do not sleep in
// accept(2) as serv07's threads do: internal/poll's fdMutex lets one
// Accept at a time into the system call, which fails with EAGAIN when no
// connection waits, and the rest queue on the mutex; the runtime wakes
// them in turn. serv07's mutex, kept by the runtime.
//
// O_NONBLOCK, which CONTRACT.md warns of, is harmless here: this is one
// process, and no other shares the listening socket's file description.
//
// Cost. The netpoller adds system calls the raw designs do not make: an
// epoll_ctl to add each connection, an accept or read that returns EAGAIN
// before each wait, and an epoll_wait (sometimes a futex wake of an idle
// thread) to find out when to try again; under load one epoll_wait
// serves many goroutines. The idle timeout is a deadline per read and
// write (SetDeadline), a runtime timer rather than SO_RCVTIMEO.
//
// Failure mode. Nothing bounds the connections served at once but
// descriptors: accept's EMFILE is met with a backoff, and a flood of slow
// clients costs memory, not threads, so this server does not meet serv06's
// thread limit. A request that made a goroutine compute for long would take
// a processor, not the server; a panic would end the process, so web_child
// recovers it as unp.Web_child does.
//
// A static binary. Package net's resolver links the C library whenever cgo
// is available, and the other programs here avoid package net to stay
// static (see unp/hosts.go). Built with CGO_ENABLED=0 or -tags netgo, this
// one is static too; built as the workspace builds it (go build, cgo
// available), static.go links it statically instead (the linker warns that
// a static getaddrinfo needs the C library's shared NSS modules at run time:
// the netdns=go directive above means it never calls it). Host names are
// then looked up by Go's resolver, /etc/hosts first.
//
// Usage:
//
//	serv11-netpoll [ <host> ] <port#> [ <#threads> ]
//
// Two arguments that are both numbers are <port#> <#threads>. With
// #threads, each goroutine prints "thread I starting", and Ctrl-C (SIGINT)
// or SIGTERM prints "thread I, N connections" for each; always, last,
// "user time = U, sys time = S".
package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"unp-go.dev/unp"
)

const usage = "serv11-netpoll [ <host> ] <port#> [ <#threads> ]"

var (
	listener net.Listener
	tptr     []atomic.Int64 // with #threads: connections handled by each
	idle     time.Duration  // the idle timeout, per read and write
	backoff  = unp.Backoff{What: "accept"}
)

func main() {
	host, port, nthreads := args(os.Args[1:])
	var err error
	if idle, err = unp.IdleTimeout(); err != nil {
		unp.Err_quit("%v", err)
	}
	if listener, err = listen(host, port); err != nil {
		unp.Err_sys(err, "listen")
	}

	tptr = make([]atomic.Int64, nthreads)
	for i := range nthreads {
		fmt.Printf("thread %d starting\n", i)
		go thread_main(i) // serv07's thread_make
	}
	unp.Signal(sig_int)
	ready()

	if nthreads > 0 {
		select {} // everything done by threads: the book's pause()
	}
	for { // serv06
		conn, err := listener.Accept()
		if errors.Is(err, net.ErrClosed) {
			select {} // sig_int closed it, and is ending the process
		}
		if err != nil {
			time.Sleep(backoff.Failed(err)) // e.g. EMFILE: say so, wait, try again
			continue
		}
		backoff.Succeeded()
		go doit(conn)
	}
}

// args reads the command line: [ <host> ] <port#> [ <#threads> ], with
// #threads 0 for none. A wrong argument count or a bad #threads prints the
// usage line and exits 2.
func args(a []string) (host, port string, nthreads int) {
	isNum := func(s string) bool { _, err := strconv.Atoi(s); return err == nil }
	if len(a) == 2 && !isNum(a[0]) {
		return a[0], a[1], 0 // host port
	}
	if len(a) == 1 {
		return "", a[0], 0
	}
	return unp.PoolArgs(a, usage)
}

// ready announces the server (unp.Ready) on the listener's descriptor.
func ready() {
	rc, err := listener.(*net.TCPListener).SyscallConn()
	if err == nil {
		err = rc.Control(func(fd uintptr) { unp.Ready(int(fd)) })
	}
	if err != nil {
		unp.Err_sys(err, "listener")
	}
}

// listen is net.Listen, or, under socket activation, the socket this
// process inherited (unp.ActivatedListener), wrapped for the netpoller.
// net.FileListener puts its own copy of the descriptor in non-blocking
// mode, which is the open file description the service manager shares: it
// only polls it while this process runs.
func listen(host, port string) (net.Listener, error) {
	fd, ok := unp.ActivatedListener()
	if !ok {
		return net.Listen("tcp", net.JoinHostPort(host, port))
	}
	f := os.NewFile(uintptr(fd), "activated listener")
	defer f.Close() // FileListener has its own copy
	return net.FileListener(f)
}

// sig_int runs on SIGINT or SIGTERM: the book's sig_int. It closes the
// listener first, so that the counts it prints are the connections
// accepted, then prints them and the CPU time; the process then exits,
// ending every connection in progress.
func sig_int() {
	listener.Close()
	for i := range tptr {
		fmt.Printf("thread %d, %d connections\n", i, tptr[i].Load())
	}
	unp.Pr_cpu_time()
}
