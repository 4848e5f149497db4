// See UNPv1 3e, Figure 30.3 (server/client.c).

// Client is the load generator every server of chapter 30 is measured with.
// It forks #children processes; each one, #loops times, connects, sends the
// request line "#bytes\n", reads exactly #bytes of reply and closes, so that
// the TIME_WAIT state lands on the client, not on the server being measured.
//
// The children are real processes, started with the fork analog of package
// unp, so that the load comes from as many kernel-scheduled clients as the
// book's. Each child reports how long each of its connections took, from
// connect to the last byte of reply, through a pipe to the parent, which
// prints one summary line when all are done:
//
//	2500 connections, 0 errors in 0.412 s: 6068 connections/s, latency p50 0.61 ms, p99 2.10 ms
//
// Departure: the book's child stops at the first short reply with err_quit.
// Here every refused, reset or short connection is named on standard error
// (the first few per child), counted, and the client exits with status 1 if
// there was any.
//
// Usage:
//
//	client <hostname or IPaddr> <port> <#children> <#loops/child> <#bytes/request>
package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

const usage = "client <hostname or IPaddr> <port> <#children> <#loops/child> <#bytes/request>"

// replyTimeout bounds each read, so a server that stops answering makes the
// client report errors instead of hanging.
const replyTimeout = 30 * time.Second

func main() {
	if role, args, ok := unp.Child(); ok && role == "client" {
		child_main(args)
		return
	}
	if len(os.Args) != 6 {
		unp.Usage(usage)
	}
	host, port := os.Args[1], os.Args[2]
	nchildren := atoi(os.Args[3], 1, 1<<14)
	nloops := atoi(os.Args[4], 1, 1<<30)
	nbytes := atoi(os.Args[5], 1, unp.MAXN)

	start := time.Now()
	pipes := make([]*os.File, nchildren)
	pids := make([]int, nchildren)
	for i := range nchildren {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			unp.Err_sys(err, "pipe")
		}
		pid, err := unp.Fork("client", []string{host, port, strconv.Itoa(i),
			strconv.Itoa(nloops), strconv.Itoa(nbytes)}, p[1])
		if err != nil {
			unp.Err_sys(err, "fork")
		}
		unix.Close(p[1])
		pids[i], pipes[i] = pid, os.NewFile(uintptr(p[0]), "child pipe")
	}

	// Drain every child's pipe at once: a child that fills its pipe
	// blocks until the parent reads.
	lat := make([][]time.Duration, nchildren)
	var wg sync.WaitGroup
	for i, f := range pipes {
		wg.Go(func() { lat[i] = readLatencies(f) })
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

	all := slices.Concat(lat...)
	nerr := nchildren*nloops - len(all)
	fmt.Printf("%d connections, %d errors in %.3f s: %.0f connections/s, latency p50 %.2f ms, p99 %.2f ms\n",
		len(all), nerr, elapsed.Seconds(), float64(len(all))/elapsed.Seconds(),
		percentile(all, 50), percentile(all, 99))
	if nerr > 0 || failed {
		os.Exit(1)
	}
}

// child_main is one client process: #loops connections, one request each.
// It writes the latency of each good connection to descriptor 3 as a
// little-endian int64 of nanoseconds.
func child_main(args []string) {
	host, port := args[0], args[1]
	i, nloops, nbytes := atoi(args[2], 0, 1<<14), atoi(args[3], 1, 1<<30), atoi(args[4], 1, unp.MAXN)
	request := []byte(strconv.Itoa(nbytes) + "\n") // newline at end
	reply := make([]byte, nbytes)
	out := make([]byte, 0, 8*nloops)
	nerr := 0
	for j := range nloops {
		t0 := time.Now()
		if err := transact(host, port, request, reply); err != nil {
			if nerr++; nerr <= 5 {
				unp.Err_msg("child %d, connection %d: %v", i, j, err)
			}
			continue
		}
		out = binary.LittleEndian.AppendUint64(out, uint64(time.Since(t0)))
	}
	if nerr > 5 {
		unp.Err_msg("child %d: %d more errors not shown", i, nerr-5)
	}
	if err := unp.Writen(unp.ChildFd(0), out); err != nil {
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

func readLatencies(f *os.File) []time.Duration {
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		unp.Err_msg("reading from child: %v", err)
	}
	lat := make([]time.Duration, len(data)/8)
	for k := range lat {
		lat[k] = time.Duration(binary.LittleEndian.Uint64(data[8*k:]))
	}
	return lat
}

// percentile returns the p-th percentile of d in milliseconds (nearest rank).
func percentile(d []time.Duration, p int) float64 {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	k := (len(d)*p + 99) / 100
	return float64(d[max(k-1, 0)]) / 1e6
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
