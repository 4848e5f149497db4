// Package unp is the library the chapter-30 servers of UNIX Network
// Programming, Volume 1, 3rd ed. (UNPv1) are built on: the book's unp.h and
// lib/, ported to Go under the book's names so that a reader holding the C
// listing finds the same word here.
//
// The book's convention is kept where it teaches something: a capitalised
// wrapper such as Tcp_listen calls the system and exits through Err_sys when
// set-up fails. Departure: every function used on a request path (Readn,
// Writen, Readline, Web_child, Accept) returns an error instead of exiting,
// because one bad client must not take a server down.
//
// Everything here works on raw descriptors and golang.org/x/sys/unix. The
// process designs share one listening socket between processes, and Go's net
// package would put it in non-blocking mode for all of them (see the
// O_NONBLOCK trap in DESIGN.md); raw descriptors also keep the thread designs
// honest, since a goroutine blocked in a raw accept or read holds an OS thread
// just as the book's pthread does.
package unp

// Sizes from unp.h and the chapter-30 sources.
const (
	// MAXLINE is the longest request line, newline included (unp.h).
	MAXLINE = 4096

	// MAXN is the largest reply a client may ask for (client.c, web_child.c).
	MAXN = 16384

	// LISTENQ is the backlog passed to listen(2) (unp.h). Linux silently caps it
	// at net.core.somaxconn (4096 on current kernels).
	LISTENQ = 1024
)
