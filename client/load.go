package main

import (
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// The loads beyond the book (-requests, -rate, -conns) run here. Their
// children do not use the book's blocking descriptors: an open loop may
// have hundreds of connections in flight, and -conns holds thousands, and
// a goroutine blocked in a raw read would hold an OS thread each. -rate
// and -conns run on an event loop of the child's own (loop.go); the
// closed loop of -requests uses package net, whose connections wait in the
// runtime's netpoller.
//
// The parent starts every child, waits until each has said it is ready
// (with -conns: has opened its connections), then hands them all one start
// time on CLOCK_MONOTONIC (clock.go). Child i of N takes slots i, i+N,
// i+2N, ... of one schedule, so N processes offer one even stream.

// behindLimit is how late the client may start a connection or request,
// at the 99th percentile, before it says it fell behind its schedule.
const behindLimit = time.Millisecond

// startLead is how far ahead of now the parent sets the start time, so
// that every child is awake and waiting when it comes.
const startLead = 20 * time.Millisecond

// Errors by kind, as the report counts them.
type errKind int

const (
	refused errKind = iota
	reset
	timedOut
	short
	other
	nKinds
)

var kindNames = [nKinds]string{"refused", "reset", "timed out", "short reply", "other"}

// classify names what went wrong with a connection.
func classify(err error) errKind {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return refused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return reset
	case errors.Is(err, syscall.ETIMEDOUT), errors.As(err, &ne) && ne.Timeout():
		return timedOut
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return short // the server closed before the whole reply
	}
	return other
}

// A record is what a child sends its parent through its pipe (gob).
// Units are connections, or with -conns requests.
type record struct {
	Units    int         // answered in full
	Requests int         // requests answered
	Errs     [nKinds]int // units that failed, by kind
	Late     int         // units the client itself started over behindLimit late
	Held     int         // with -conns: connections opened and held
	End      int64       // CLOCK_MONOTONIC ns when the last unit ended; 0 if none
	CPU      float64     // seconds of CPU the child used from the start to its last unit
	Lat      []byte      // histogram: from scheduled start to last byte (corrected)
	Raw      []byte      // histogram: from actual start to last byte (uncorrected)
	Lag      []byte      // histogram: actual start less scheduled start
}

// work is one child's share of the load.
type work struct {
	c      config
	i      int
	clk    clock
	addr   string
	req    []byte
	dialer net.Dialer

	mu            sync.Mutex
	rec           record
	lat, raw, lag histogram
	shown         int       // errors named on stderr
	held          []*flight // with -conns: this child's share, nil where opening failed
	ev            *evloop   // with -conns: the event loop that holds them
	timer         *timer
	// Reply buffers of the closed loop's goroutines: without them
	// thousands of connections a second would make the collector, not the
	// connections, the client's work. (The event loop has one of its own.)
	bufs sync.Pool
}

// buffer returns a reply buffer of #bytes (and room for a head, with
// -http), to Put back in w.bufs.
func (w *work) buffer() []byte {
	if b, ok := w.bufs.Get().([]byte); ok {
		return b
	}
	return replyBuffer(w.c.http, w.c.nbytes)
}

// loadParent runs a load beyond the book's and prints its report.
func loadParent(c config, args []string) {
	if c.conns > 0 {
		raiseNofile((c.conns+c.children-1)/c.children + 64)
	}
	var startp [2]int
	if err := unix.Pipe2(startp[:], unix.O_CLOEXEC); err != nil {
		unp.Err_sys(err, "pipe")
	}
	results := make([]*os.File, c.children)
	pids := make([]int, c.children)
	for i := range c.children {
		var p [2]int
		if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
			unp.Err_sys(err, "pipe")
		}
		pid, err := unp.Fork("load", append([]string{strconv.Itoa(i)}, args...), p[1], startp[0])
		if err != nil {
			unp.Err_sys(err, "fork")
		}
		unix.Close(p[1])
		pids[i], results[i] = pid, os.NewFile(uintptr(p[0]), "child pipe")
	}
	unix.Close(startp[0])

	// Each child's first byte says it is ready; then comes its record.
	recs := make([]*record, c.children)
	var ready, done sync.WaitGroup
	ready.Add(c.children)
	for i, f := range results {
		done.Go(func() { recs[i] = readRecord(f, ready.Done) })
	}
	ready.Wait()
	t0 := monoNow() + int64(startLead)
	msg := make([]byte, 0, 8*c.children)
	for range c.children {
		msg = binary.LittleEndian.AppendUint64(msg, uint64(t0))
	}
	if err := unp.Writen(startp[1], msg); err != nil {
		unp.Err_msg("starting the children: %v", err)
	}
	unix.Close(startp[1])
	done.Wait()
	failed := waitAll(pids)
	if !printReport(os.Stdout, c, recs, t0, monoNow()) || failed {
		os.Exit(1)
	}
}

// readRecord reads a child's ready byte (then calls ready, also if the
// child died first) and its record; nil if it sent none.
func readRecord(f *os.File, ready func()) *record {
	defer f.Close()
	var b [1]byte
	_, err := io.ReadFull(f, b[:])
	ready()
	if err != nil {
		unp.Err_msg("a child ended before it was ready")
		return nil
	}
	var r record
	if err := gob.NewDecoder(f).Decode(&r); err != nil {
		unp.Err_msg("reading from child: %v", err)
		return nil
	}
	return &r
}

// waitAll reaps the children and reports whether any failed.
func waitAll(pids []int) bool {
	failed := false
	for _, pid := range pids {
		var ws unix.WaitStatus
		for {
			_, err := unix.Wait4(pid, &ws, 0, nil)
			if err != unix.EINTR {
				break
			}
		}
		failed = failed || !ws.Exited() || ws.ExitStatus() != 0
	}
	return failed
}

// raiseNofile makes sure a process may open need descriptors (each held
// connection is one), and says on stderr what limit it runs under when
// that is more than the usual soft limit of 1024 or than the limit itself.
// Go's runtime already raises the soft limit to the hard one when a
// program starts (package syscall, Go 1.19), in the parent and in each
// child, so the soft limit is raised here only where that did not happen.
func raiseNofile(need int) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return
	}
	if rl.Cur < uint64(need) && rl.Cur < rl.Max {
		old := rl.Cur
		rl.Cur = rl.Max
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
			unp.Err_msg("raising RLIMIT_NOFILE from %d: %v", old, err)
			rl.Cur = old
		}
	}
	switch {
	case rl.Cur < uint64(need):
		unp.Err_msg("RLIMIT_NOFILE %d (hard limit %d) is below the %d descriptors a process "+
			"needs: connections beyond it will fail (EMFILE)", rl.Cur, rl.Max, need)
	case need > 1024:
		unp.Err_msg("RLIMIT_NOFILE raised to its hard limit %d: a process needs about %d "+
			"descriptors", rl.Cur, need)
	}
}

// loadChild is one client process of a load beyond the book's. It writes
// a ready byte, then its record, to descriptor ChildFd(0), and reads the
// start time from ChildFd(1).
func loadChild(args []string) {
	if len(args) < 1 {
		unp.Err_quit("client child: no index")
	}
	i, err := strconv.Atoi(args[0])
	c, err2 := parseArgs(args[1:])
	if err != nil || err2 != nil {
		unp.Err_quit("client child: arguments %q", args)
	}
	// Fork starts a child with one processor; a load of many
	// connections, and a schedule to keep beside them, wants the machine's.
	runtime.GOMAXPROCS(runtime.NumCPU())
	w := &work{c: c, i: i, clk: newClock(), addr: net.JoinHostPort(c.host, c.port),
		req: request(c), dialer: dialer(c.timeout)}
	if w.timer, err = newTimer(w.clk); err != nil {
		unp.Err_sys(err, "child %d", i)
	}
	if c.realtime {
		realtimeLoop(i)
	}
	if c.conns > 0 {
		w.open()
	}
	out := os.NewFile(uintptr(unp.ChildFd(0)), "results")
	if _, err := out.Write([]byte{'r'}); err != nil {
		unp.Err_sys(err, "child %d: ready", i)
	}
	var b [8]byte
	if n, err := unp.Readn(unp.ChildFd(1), b[:]); n != 8 {
		unp.Err_quit("child %d: no start time (%v)", i, err)
	}
	t0 := int64(binary.LittleEndian.Uint64(b[:]))

	cpu0 := selfCPU()
	switch {
	case c.conns > 0:
		w.hold(t0)
	case c.rate > 0:
		w.loop(t0)
	default:
		w.closed(t0)
	}
	w.rec.CPU = selfCPU() - cpu0
	w.rec.Lat, w.rec.Raw, w.rec.Lag = w.lat.marshal(), w.raw.marshal(), w.lag.marshal()
	if err := gob.NewEncoder(out).Encode(&w.rec); err != nil {
		unp.Err_sys(err, "child %d: writing results", i)
	}
	fmt.Printf("child %d done\n", i)
	nerr := w.errors()
	if nerr > 5 {
		unp.Err_msg("child %d: %d more errors not shown", i, nerr-5)
	}
	if nerr > 0 {
		os.Exit(1)
	}
}

// dialer is package net's dialer as the book's client connects: with no
// socket options. Go's default turns TCP keep-alive on, four setsockopt(2)
// calls per connection that the book's client does not make and that a
// connection of a few milliseconds never uses; they would be charged to
// the client's CPU per request. (TCP_NODELAY, which package net always
// sets, stays: one call, and a request sent in one write.)
func dialer(timeout time.Duration) net.Dialer {
	return net.Dialer{Timeout: timeout, KeepAlive: -1}
}

func (w *work) errors() int {
	n := 0
	for _, e := range w.rec.Errs {
		n += e
	}
	return n
}

// fail counts a failed unit, and names the first few on stderr.
func (w *work) fail(what string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.rec.Errs[classify(err)]++
	if w.shown++; w.shown <= 5 {
		unp.Err_msg("child %d, %s: %v", w.i, what, err)
	}
}

// done counts a unit answered in full: corrected and uncorrected
// latency, the client's own lateness, the requests it carried.
func (w *work) done(corrected, uncorrected, lag time.Duration, requests int) {
	end := w.clk.toMono(time.Now())
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lat.add(corrected)
	w.raw.add(uncorrected)
	w.lag.add(max(lag, 0))
	if lag > behindLimit {
		w.rec.Late++
	}
	w.rec.Units++
	w.rec.Requests += requests
	w.rec.End = max(w.rec.End, end)
}

// exchange sends one request on conn and reads its whole reply into buf.
func (w *work) exchange(conn net.Conn, buf []byte) error {
	conn.SetDeadline(time.Now().Add(w.c.timeout))
	if _, err := conn.Write(w.req); err != nil {
		return fmt.Errorf("sending request: %w", err)
	}
	if w.c.http {
		if n, total, err := readHTTP(conn.Read, buf, w.c.nbytes); err != nil {
			return fmt.Errorf("reading reply after %d of %d bytes: %w", n, max(total, n), err)
		}
		return nil
	}
	if n, err := io.ReadFull(conn, buf); err != nil {
		return fmt.Errorf("reading reply after %d of %d bytes: %w", n, len(buf), err)
	}
	return nil
}

// connection makes one connection of c.requests requests, one after
// another, and times it from due, when the schedule wanted it started
// (corrected), and from when it did start (uncorrected). A zero due means
// no schedule: now.
func (w *work) connection(due time.Time, j int) {
	start := time.Now()
	if due.IsZero() {
		due = start
	}
	conn, err := w.dialer.Dial("tcp", w.addr)
	if err != nil {
		w.fail(fmt.Sprintf("connection %d", j), err)
		return
	}
	defer conn.Close() // TIME_WAIT on the client, as the book's
	buf := w.buffer()
	defer w.bufs.Put(buf)
	for k := range w.c.requests {
		if err := w.exchange(conn, buf); err != nil {
			w.fail(fmt.Sprintf("connection %d, request %d", j, k), err)
			return
		}
	}
	end := time.Now()
	w.done(end.Sub(due), end.Sub(start), start.Sub(due), w.c.requests)
}

// closed is the closed loop with -requests: -inflight goroutines, each
// making #loops connections one after another.
func (w *work) closed(t0 int64) {
	w.timer.sleepUntil(t0)
	var wg sync.WaitGroup
	for g := range w.c.inflight {
		wg.Go(func() {
			for j := range w.c.loops {
				w.connection(time.Time{}, g*w.c.loops+j)
			}
		})
	}
	wg.Wait()
}
