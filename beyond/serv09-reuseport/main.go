// See UNPv1 3e, section 30.6, Figures 30.9-30.11 (server/serv02.c), with
// SO_REUSEPORT (Linux 3.9, socket(7)), which the book predates.

// Serv09-reuseport is serv02-prefork with one change: each child has a
// listening socket of its own instead of sharing the parent's. Every
// child's socket is bound with SO_REUSEPORT to the same address and port,
// and the kernel, not the children, decides who gets a connection: it
// hashes each SYN's 4-tuple to one listener of the port's reuseport group,
// and that listener alone queues and accepts it.
//
// Design. What serv02 shares, this one does not: there is no common accept
// queue, so no lock to take (serv03, serv04), no herd to avoid, and no
// single socket whose wait queue every child sleeps on. The spread of
// connections across the children is the hash's, even over many clients,
// whatever each child is doing. Today's servers do this: nginx's
// "listen ... reuseport", HAProxy and Envoy per-thread listeners, and Go
// programs that open one listener per core.
//
// The port. The parent first reserves it (unp.ReusePortBind): a socket
// with SO_REUSEPORT, bound and never listening, so port 0 works (the kernel
// chooses, getsockname tells) and the port stays this server's while
// children come and go. A socket that listens joins the group and takes a
// share of the connections, so the parent's must not: one it never
// accepted would hang its share of the clients. A bound socket that does
// not listen is in no group, and a client that reaches the port while no
// child listens is refused, not queued. Then child_make opens one more
// listener on the reserved address for each child (unp.ReusePortListen),
// passes it, and closes its own copy, so the child holds the only
// reference: the socket lives exactly as long as its child.
//
// Cost. The hash knows nothing of load. A child that is busy (a slow
// client) or stopped (SIGSTOP, a debugger) keeps getting its share, which
// waits in its own queue while its siblings idle; in serv02 an idle sibling
// would have taken it from the shared queue. Each child also costs a
// socket and a listen queue of LISTENQ.
//
// Failure mode. A child that dies closes its listener, and Linux resets
// every connection queued on it: a client that had connected and sent its
// request reads ECONNRESET (unless net.ipv4.tcp_migrate_req, Linux 5.14,
// moves them to a sibling). Until the parent has reaped it and started the
// replacement, which binds a new listener, the group is one smaller and
// new connections hash to the survivors; with one child, they are
// refused. In serv02 the queue belongs to the parent's socket and survives
// any child.
//
// Socket activation. Started by systemd (or systemd-socket-activate) with
// a listening socket already open, serv09 cannot be serv09: the reuseport
// group is made of sockets this process binds, and the one it inherits was
// bound, and is listening, in the service manager, without SO_REUSEPORT
// unless the unit says ReusePort=yes. What activation is for, a port that
// stays open and queues clients while the server restarts, needs that one
// socket to be served, and a listener beside it would take a share of the
// connections that the manager's queue never sees again once the server
// stops. So an activated serv09 hands the inherited socket to every child,
// which is serv02's design: one queue, shared, and the meter shows the
// kernel's spread over one socket's waiters, not the hash's.
//
// Usage:
//
//	serv09-reuseport [ <host> ] <port#> <#children>
//
// Each child prints "child PID starting". Ctrl-C (SIGINT) or SIGTERM
// terminates and reaps every child, prints "child I, N connections" for
// each slot, then "user time = U, sys time = S", and exits.
package main

import (
	"os"

	"unp-go.dev/unp"
)

var (
	reservefd int           // bound, not listening: holds the port
	sharedfd  = -1          // under socket activation: the one listener of every child
	meter     *unp.Meter    // per-child connection counts, in shared memory
	pids      *unp.Children // the book's pids array
)

func main() {
	if _, args, ok := unp.Child(); ok {
		child_main(args) // never returns
	}
	const usage = "serv09-reuseport [ <host> ] <port#> <#children>"
	host, serv, nchildren := unp.PoolArgs(os.Args[1:], usage)
	if fd, ok := unp.ActivatedListener(); ok {
		sharedfd = fd // see "Socket activation" above
		reservefd = fd
	} else {
		reservefd = unp.ReusePortBind(host, serv)
	}

	meter = unp.NewMeter(nchildren)
	sigfd := unp.SignalPipe() // before the first fork: no SIGCHLD is missed
	pids = unp.Prefork(nchildren, child_make)
	unp.Ready(reservefd) // every child's listener is open: child_make opened it

	pids.Pause(sigfd, sig_int) // everything done by children
}

// sig_int terminates all children, waits for them, prints how many
// connections each slot served and the CPU time of parent and children.
func sig_int() {
	pids.Terminate()
	meter.Print()
	unp.Pr_cpu_time()
}
