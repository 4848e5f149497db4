// Package unp is the library the chapter-30 servers of UNIX Network
// Programming, Volume 1, 3rd ed. (UNPv1) are built on: the book's unp.h and
// lib/, ported to Go under the book's names so that a reader holding the C
// listing finds the same word here.
//
// # Naming
//
// A name with an underscore, or a book name with a capital first letter, is
// the book's: [Tcp_listen], [Readn], [Write_fd], [Accept]. Go exports only
// capitalised names, so the book's web_child, my_lock_wait and err_sys are
// [Web_child], [My_lock_wait] and [Err_sys] here. A capital therefore does
// not mean what it means in the book, a wrapper that exits on error. [Fork]
// keeps the book's name for a different call (Departure: lib/wrapunix.c's
// Fork is fork(2); this one starts the program again, see fork.go). What the
// port invented has an ordinary Go name ([ChildFd], [SignalPipe],
// [NewSharedMutex], [Reap], [Backoff]).
//
// Where the book's wrapper exits, set-up here exits too: Tcp_listen exits
// through Err_sys when it cannot listen. Departure: every function used on a
// request path (Readn and Writen of lib/readn.c and lib/writen.c, Readline,
// Web_child of web_child.c, Accept of lib/wrapsock.c) returns an error
// instead of exiting, because one bad client must not take a server down.
//
// # Files
//
// Ports of the book's files, one for one:
//
//	unp.go          lib/unp.h (MAXLINE, LISTENQ); web_child.c, client.c (MAXN)
//	error.go        lib/error.c: Err_msg, Err_quit, Err_sys
//	readn.go        lib/readn.c: Readn
//	writen.go       lib/writen.c: Writen
//	readline.go     server/readline_r.c: the Rline of readline_r.h, and its Readline
//	wrapunix.go     lib/wrapunix.c: Read, Close
//	wrapsock.go     lib/wrapsock.c: Accept, Select (and AcceptUnless, for a child told to stop)
//	signal.go       lib/signal.c: Signal
//	sock_ntop.go    lib/sock_ntop.c: Sock_ntop
//	tcp_listen.go   lib/tcp_listen.c: Tcp_listen
//	tcp_connect.go  lib/tcp_connect.c: Tcp_connect
//	read_fd.go      lib/read_fd.c: Read_fd
//	write_fd.go     lib/write_fd.c: Write_fd
//	web_child.go    server/web_child.c: Web_child
//	pr_cpu_time.go  server/pr_cpu_time.c: Pr_cpu_time
//	meter.go        server/meter.c: Meter, the shared per-child counters
//	lock_fcntl.go   server/lock_fcntl.c: My_lock_init, My_lock_wait, My_lock_release
//	lock_pthread.go server/lock_pthread.c: the process-shared mutex (NewSharedMutex)
//
// Port-only plumbing, which the C gets from fork(2) and its signal handlers:
//
//	fork.go      the fork analog: Fork, Child, ChildFd, PoolChild
//	rawfork.go   the -fork mode: RawPrefork, RawForkFdpass, RawForkConn clone a
//	             child with no exec, and its doc says what such a child may do
//	rawchild.go  that child's life: the book's child loops, web_child and error
//	             lines, in nosplit Go that makes raw system calls and nothing else
//	rawhttp.go   that child's NextRequest, Reply and StatusReply, in the same Go
//	children.go  the preforked parent's table: Prefork, Children.Pause, Reap,
//	             ChildDied, ChildStopped, TerminateAll, ReapAll (bounded)
//	sig_pipe.go  signals as bytes on a pipe, for a parent's select loop
//	args.go      the servers' command lines: ListenArgs, ListenPoolArgs, ForkFlag, Usage
//	ready.go     the readiness line and UNP_ADDR_FILE (ReplaceFile)
//	notify.go    systemd's sd_notify: Notify (READY=1, MAINPID=, STOPPING=1)
//	idle.go      the idle timeout on every connection
//	request.go   ParseRequest, the request line's strict grammar, and NextRequest,
//	             which tells the book's line from HTTP and parses either
//	             from what a connection has buffered (Departure: web_child.c
//	             speaks only its line; see Web_child)
//	reply.go     Reply, a request's answer: an HTTP head beside the static
//	             result, out in one write or writev; StatusReply for bad HTTP
//	hosts.go     /etc/hosts and /etc/services look-ups, no resolver
//	backoff.go   pacing a loop that runs out of descriptors or processes
//	limits.go    how many threads RLIMIT_NPROC leaves a user
//	reuseport.go SO_REUSEPORT groups, for beyond/serv09-reuseport
//	nonblock.go  AcceptNonblock, for beyond/serv10-epoll's event loop
//	activation.go systemd's socket activation, which Tcp_listen honours
//	sched.go     what the Go scheduler costs a process design, and schedPoint
//	uring.go     an io_uring of our own, for beyond/serv12-uring's loop: SetupRing,
//	             GetSQE and the Prep methods, Enter, Completions, SetupBufRing
//	             (and PeerName, in wrapsock.go: the peer a multishot accept omits)
//
// # Raw descriptors
//
// Everything here works on raw descriptors and golang.org/x/sys/unix. The
// process designs share one listening socket between processes, and Go's net
// package would put it in non-blocking mode for all of them (see the
// O_NONBLOCK trap in CONTRACT.md); raw descriptors also keep the thread designs
// honest, since a goroutine blocked in a raw accept or read holds an OS thread
// just as the book's pthread does.
package unp

// Sizes from unp.h and the chapter-30 sources.
const (
	// MAXLINE is the longest request line, newline included (unp.h). An
	// HTTP head may be longer: MaxHead.
	MAXLINE = 4096

	// MAXN is the largest reply a client may ask for (client.c, web_child.c).
	MAXN = 16384

	// LISTENQ is the backlog passed to listen(2) (unp.h). Linux silently caps it
	// at net.core.somaxconn (4096 on current kernels).
	LISTENQ = 1024
)
