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
// pipe to the parent, which prints two summary lines when all are done:
//
//	2500 connections, 0 errors in 0.412 s: 6068 connections/s, latency p50 0.61 ms, p99 2.10 ms
//	latency p99.9 3.02 ms, max 4.87 ms; client CPU 0.351 s
//
// Departure: the book's client prints only "child I done"; the summary is
// the port's. Its second line gives the tail of the latencies, and the CPU
// the client itself used (user + sys, its children included), since it
// shares the machine with the server it measures.
//
// Departure: -inflight K (not in the book) makes each child keep K
// connections in flight at once, each a goroutine doing #loops connections
// one after another: #children × K clients, #children × K × #loops
// connections in all, without a process for each. A goroutine blocked in
// connect or read holds an OS thread, so a child of K is K threads: a few
// processes can offer hundreds of concurrent connections.
//
// This is a closed-loop load: a client sends its next request only when the
// last one is answered, so when the server stalls, the clients wait with it
// and stop sending, and the requests they would have sent are never timed.
// Latency percentiles then understate what an open stream of users would
// have seen (coordinated omission); the bench's README says more.
//
// Departure: the book's child stops at the first short reply with err_quit.
// Here every refused, reset or short connection is named on standard error
// (the first few per child), counted, and the client exits with status 1 if
// there was any.
//
// Usage:
//
//	client [ -inflight K ] <hostname or IPaddr> <port> <#children> <#loops/child> <#bytes/request>
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

const usage = "client [ -inflight K ] <hostname or IPaddr> <port> " +
	"<#children> <#loops/child> <#bytes/request>"

// replyTimeout bounds each read, so a server that stops answering makes the
// client report errors instead of hanging.
const replyTimeout = 30 * time.Second

func main() {
	if role, args, ok := unp.Child(); ok && role == "client" {
		child_main(args)
		return
	}
	args, inflight := os.Args[1:], 1
	if len(args) > 1 && args[0] == "-inflight" {
		inflight, args = atoi(args[1], 1, 1<<12), args[2:]
	}
	if len(args) != 5 {
		unp.Usage(usage)
	}
	host, port := args[0], args[1]
	nchildren := atoi(args[2], 1, 1<<14)
	nloops := atoi(args[3], 1, 1<<30)
	nbytes := atoi(args[4], 1, unp.MAXN)

	start := time.Now()
	pipes := make([]*os.File, nchildren)
	pids := make([]int, nchildren)
	for i := range nchildren {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			unp.Err_sys(err, "pipe")
		}
		pid, err := unp.Fork("client", []string{host, port, strconv.Itoa(i),
			strconv.Itoa(nloops), strconv.Itoa(nbytes), strconv.Itoa(inflight)}, p[1])
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
	failed := false
	for _, pid := range pids { // now the parent waits for all children
		var ws unix.WaitStatus
		for {
			_, err := unix.Wait4(pid, &ws, 0, nil)
			if err != unix.EINTR {
				break
			}
		}
		failed = failed || !ws.Exited() || ws.ExitStatus() != 0
	}
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
	if len(args) != 6 {
		unp.Err_quit("client child: arguments %q", args)
	}
	host, port := args[0], args[1]
	i, nloops, nbytes := atoi(args[2], 0, 1<<14), atoi(args[3], 1, 1<<30), atoi(args[4], 1, unp.MAXN)
	inflight := atoi(args[5], 1, 1<<12)
	request := []byte(strconv.Itoa(nbytes) + "\n") // newline at end

	var (
		mu   sync.Mutex
		h    histogram
		nerr int
		wg   sync.WaitGroup
	)
	for range inflight {
		wg.Go(func() {
			reply := make([]byte, nbytes)
			for j := range nloops {
				t0 := time.Now()
				err := transact(host, port, request, reply)
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
// len(reply) bytes, close.
func transact(host, port string, request, reply []byte) error {
	fd, err := unp.Tcp_connect(host, port)
	if err != nil {
		return err
	}
	defer unp.Close(fd) // TIME_WAIT on client, not server
	tv := unix.NsecToTimeval(replyTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return fmt.Errorf("setsockopt: %w", err)
	}
	if err := unp.Writen(fd, request); err != nil {
		return fmt.Errorf("sending request: %w", err)
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
func cpuSeconds() float64 {
	var self, children unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &self)
	unix.Getrusage(unix.RUSAGE_CHILDREN, &children)
	s := func(tv unix.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }
	return s(self.Utime) + s(self.Stime) + s(children.Utime) + s(children.Stime)
}

// atoi parses a count argument in lo..hi or prints the usage and exits 2.
func atoi(s string, lo, hi int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		unp.Err_msg("bad argument %q: want a number from %d to %d", s, lo, hi)
		unp.Usage(usage)
	}
	return n
}
