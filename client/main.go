//go:debug netdns=go

// See UNPv1 3e, Figure 30.3 (server/client.c).

// Client is the load generator every server of chapter 30 is measured with.
// It forks #children processes; each one, #loops times, connects, sends the
// request line "#bytes\n", reads exactly #bytes of reply and closes, so that
// the TIME_WAIT state lands on the client, not on the server being measured.
//
// The children are real processes, started with the fork analog of package
// unp, so that the load comes from as many kernel-scheduled clients as the
// book's. Each child times each of its connections, from connect to the
// last byte of reply, into a histogram (hist.go) that it sends through a
// pipe to the parent, which prints two summary lines when all are done,
// in this form (the figures are the run's):
//
//	N connections, E errors in S s: R connections/s, latency p50 P ms, p99 P ms
//	latency p99.9 P ms, max M ms; client CPU C s
//
// Departure: the book's client (client.c) prints only "child I done"; the summary is
// the port's. Its second line gives the tail of the latencies, and the CPU
// the client itself used (user + sys, its children included), since it
// shares the machine with the server it measures.
//
// Departure: -inflight K (client.c has no such flag) makes each child keep K
// connections in flight at once, each a goroutine doing #loops connections
// one after another: #children × K clients, #children × K × #loops
// connections in all, without a process for each. A goroutine blocked in
// connect or read holds an OS thread, so a child of K is K threads: a few
// processes can offer hundreds of concurrent connections.
//
// The book's is a closed-loop load: a client sends its next request only when the
// last one is answered, so when the server stalls, the clients wait with it
// and stop sending, and the requests they would have sent are never timed.
// Latency percentiles then understate what an open stream of users would
// have seen (coordinated omission); -rate below is the open loop.
//
// Departure: client.c's child stops at the first short reply with err_quit.
// Here every refused, reset or short connection is named on standard error
// (the first few per child), counted, and the client exits with status 1 if
// there was any.
//
// Departure: three loads beyond client.c's (load.go, conns.go), for what
// the chapter's one load cannot show. Any of their flags switches the
// summary to a longer report (report.go): offered and achieved rate,
// latency p50, p99, p99.9 and max both corrected and uncorrected, errors
// by kind (refused, reset, timed out, short reply, other), whether the
// client kept its schedule, and its own CPU per request.
//
//   - -requests K: each connection sends K requests, one after another,
//     before it closes (the protocol allows it: a line, its reply, the next
//     line, until EOF). Latency is connect to the last byte of the K-th
//     reply.
//   - -rate R: an open loop. Connections start at R a second in all, on one
//     schedule the children share (child i of N takes every N-th slot,
//     #children × #loops slots), each whether or not the ones before it
//     were answered, so a stalled server meets the queue it made. Latency
//     is measured from when the schedule wanted the connection started
//     (corrected: a stall is charged to every connection it delays) and
//     from when it did start (uncorrected, what a closed loop reports).
//   - -conns C: C connections held open at once, in all (split evenly
//     among the children; #loops must be 1). They are opened first; then
//     each sends its requests in turn, one every -every D, or at the pace
//     of -rate R requests a second in all, or back to back; -requests K of
//     them, or for -duration D. Latency is per request, corrected from
//     its due time. The parent raises RLIMIT_NOFILE to its hard limit when
//     a child's share needs more than the soft one, and says so on stderr.
//
// Departure: client.c speaks only the book's line. -http asks over HTTP/1.1 ("GET /#bytes"), which every server
// here answers beside the book's line, and so does any web server; the
// reply must be 200 with Content-Length #bytes, and its body #bytes
// (http.go). It goes with any load: with -requests K the K requests share
// one connection (keep-alive), and the client still closes it.
//
// Departure: -timeout D bounds each connect and each reply (30 s by
// default), and with -conns the opening of all of a child's share; the
// book's client (client.c) waits for ever on a server that stops
// answering.
//
// On the machine it loads, an open loop competes with the server for the
// cores: where the server's processes fill them, the client wakes for its
// next slot and waits for a time slice, and reports that it fell behind.
// -realtime puts the thread of each child's event loop, and it alone, at
// real-time priority (loop.go tells why no other), as the bench does for
// these loads.
//
// Usage:
//
//	client [ -inflight K ] <hostname or IPaddr> <port> <#children> <#loops/child> <#bytes/request>
//	       [ -http ] [ -requests K ] [ -rate R ] [ -timeout D ] [ -realtime ]
//	       [ -conns C [ -every D | -rate R ] [ -duration D ] ]  (with -conns, #loops must be 1)
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// replyTimeout is -timeout's default: it bounds each read (and, beyond the
// book's load, each connect), so a server that stops answering makes the
// client report errors instead of hanging.
const replyTimeout = 30 * time.Second

func main() {
	if role, args, ok := unp.Child(); ok {
		switch role {
		case "client":
			child_main(args)
			return
		case "load":
			loadChild(args)
			return
		}
	}
	c, err := parseArgs(os.Args[1:])
	if err != nil {
		unp.Err_msg("%v", err)
		unp.Usage(usage)
	}
	if !c.book() {
		loadParent(c, os.Args[1:])
		return
	}
	host, port := c.host, c.port
	nchildren, nloops, nbytes, inflight := c.children, c.loops, c.nbytes, c.inflight

	start := time.Now()
	pipes := make([]*os.File, nchildren)
	pids := make([]int, nchildren)
	for i := range nchildren {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			unp.Err_sys(err, "pipe")
		}
		pid, err := unp.Fork("client", []string{host, port, strconv.Itoa(i),
			strconv.Itoa(nloops), strconv.Itoa(nbytes), strconv.Itoa(inflight),
			c.timeout.String(), strconv.FormatBool(c.http)}, p[1])
		if err != nil {
			unp.Err_sys(err, "fork")
		}
		unix.Close(p[1])
		pids[i], pipes[i] = pid, os.NewFile(uintptr(p[0]), "child pipe")
	}

	// Drain every child's pipe at once: a child that fills its pipe
	// blocks until the parent reads.
	hists := make([]histogram, nchildren)
	var wg sync.WaitGroup
	for i, f := range pipes {
		wg.Go(func() { readHistogram(f, &hists[i]) })
	}
	wg.Wait()
	failed := waitAll(pids) // now the parent waits for all children
	elapsed := time.Since(start)

	var all histogram
	for i := range hists {
		all.merge(&hists[i])
	}
	n := int(all.total())
	nerr := nchildren*inflight*nloops - n
	ms := func(p float64) float64 { return float64(all.percentile(p)) / 1e6 }
	fmt.Printf("%d connections, %d errors in %.3f s: %.0f connections/s, "+
		"latency p50 %.2f ms, p99 %.2f ms\n",
		n, nerr, elapsed.Seconds(), float64(n)/elapsed.Seconds(), ms(50), ms(99))
	fmt.Printf("latency p99.9 %.2f ms, max %.2f ms; client CPU %.3f s\n",
		ms(99.9), float64(all.max)/1e6, cpuSeconds())
	if nerr > 0 || failed {
		os.Exit(1)
	}
}

// child_main is one client process: inflight goroutines, each making
// #loops connections of one request. It writes its histogram of the good
// connections' latencies to descriptor 3.
func child_main(args []string) {
	if len(args) != 8 {
		unp.Err_quit("client child: arguments %q", args)
	}
	host, port := args[0], args[1]
	i, nloops := childInt(args[2]), childInt(args[3])
	nbytes, inflight := childInt(args[4]), childInt(args[5])
	timeout, err := time.ParseDuration(args[6])
	if err != nil {
		unp.Err_quit("client child: bad timeout %q", args[6])
	}
	http := args[7] == "true"
	request := request(config{host: host, port: port, nbytes: nbytes, http: http})

	var (
		mu   sync.Mutex
		h    histogram
		nerr int
		wg   sync.WaitGroup
	)
	for range inflight {
		wg.Go(func() {
			reply := replyBuffer(http, nbytes)
			for j := range nloops {
				t0 := time.Now()
				err := transact(host, port, request, reply, nbytes, http, timeout)
				d := time.Since(t0)
				mu.Lock()
				if err == nil {
					h.add(d)
				} else if nerr++; nerr <= 5 {
					unp.Err_msg("child %d, connection %d: %v", i, j, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if nerr > 5 {
		unp.Err_msg("child %d: %d more errors not shown", i, nerr-5)
	}
	if err := unp.Writen(unp.ChildFd(0), h.marshal()); err != nil {
		unp.Err_sys(err, "child %d: writing results", i)
	}
	fmt.Printf("child %d done\n", i)
	if nerr > 0 {
		os.Exit(1)
	}
}

// transact makes one connection: connect, send the request, read exactly
// nbytes of reply (after its head, with -http), close.
func transact(host, port string, request, reply []byte, nbytes int, http bool,
	timeout time.Duration) error {
	fd, err := unp.Tcp_connect(host, port)
	if err != nil {
		return err
	}
	defer unp.Close(fd) // TIME_WAIT on client, not server
	tv := unix.NsecToTimeval(timeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return fmt.Errorf("setsockopt: %w", err)
	}
	if err := unp.Writen(fd, request); err != nil {
		return fmt.Errorf("sending request: %w", err)
	}
	if http {
		read := func(b []byte) (int, error) { return unp.Read(fd, b) }
		if n, total, err := readHTTP(read, reply, nbytes); err != nil {
			return fmt.Errorf("reading reply after %d of %d bytes: %w", n, max(total, n), err)
		}
		return nil
	}
	n, err := unp.Readn(fd, reply)
	if err != nil {
		return fmt.Errorf("reading reply after %d of %d bytes: %w", n, len(reply), err)
	}
	if n != len(reply) {
		return fmt.Errorf("server returned %d of %d bytes", n, len(reply))
	}
	return nil
}

// readHistogram reads a child's histogram from its pipe into h; a child
// that died before it wrote one counts as no connections, which the
// summary reports as errors.
func readHistogram(f *os.File, h *histogram) {
	defer f.Close()
	data, err := io.ReadAll(f)
	if err == nil && len(data) > 0 && !h.unmarshal(data) {
		err = fmt.Errorf("%d bytes, not a histogram", len(data))
	}
	if err != nil {
		unp.Err_msg("reading from child: %v", err)
	}
}

// cpuSeconds is the user + sys time of this process and its reaped
// children.
func cpuSeconds() float64 { return rusage(unix.RUSAGE_SELF) + rusage(unix.RUSAGE_CHILDREN) }

// selfCPU is the user + sys time of this process.
func selfCPU() float64 { return rusage(unix.RUSAGE_SELF) }

func rusage(who int) float64 {
	var ru unix.Rusage
	unix.Getrusage(who, &ru)
	s := func(tv unix.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }
	return s(ru.Utime) + s(ru.Stime)
}

// childInt reads a number the parent passed a book-load child.
func childInt(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		unp.Err_quit("client child: bad argument %q", s)
	}
	return n
}
