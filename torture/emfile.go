package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/lab"
)

// The out-of-descriptors fault: the process that accepts (the server, or
// each child of a pool whose children accept) gets an RLIMIT_NOFILE of its
// lowest free descriptor number, set from outside with prlimit(2), so that
// its next accept fails with EMFILE; then an overload burst of clients
// connects and stays, silent, in the listen queue. EMFILE leaves the
// connection queued and the listener readable, so a loop that logs and
// retries at once spins at 100% of a core and writes a line a turn. Every
// design backs off instead (unp.Backoff: 5 ms doubling to 500 ms, one line
// a second). Torture measures, over -window while the server is out of
// descriptors, its CPU (utime+stime of it and its children, /proc/PID/stat)
// and its stderr lines a second that say "too many open files"; then gives the descriptors back (the old
// limit, and the clients close) and times how long until a good client is
// served again.
//
// Why a limit set on the running process rather than prlimit --nofile at
// start: the right number is what the accepting process holds once quiet,
// which only /proc knows (the Go runtime's own descriptors, a child's
// inherited ones), and a preforked child has a descriptor table and a limit
// of its own, which a limit at start would give the parent as well. And
// why no clients held in the server's slots instead: most designs hold no
// descriptor per client in the process that accepts (serv01's and serv05's
// parents close theirs; a preforked child serving one client is not in
// accept), so only the limit can run them out.

// Bounds of the verdict on the descriptor fault.
const (
	fdMaxCPU     = 0.10 // of one core
	fdMaxLines   = 5    // a second
	fdMaxRecover = 2 * time.Second
)

// fdFault is what the descriptor fault measured.
type fdFault struct {
	ran     bool
	cpu     float64 // of one core, server and children
	lines   float64 // a second
	recover time.Duration
}

func (f fdFault) String() string {
	if !f.ran {
		return "-"
	}
	return fmt.Sprintf("%.0f%% %.1f/s %s", 100*f.cpu, f.lines, seconds(f.recover))
}

// outOfFDs runs the descriptor fault and judges it.
func (r *run) outOfFDs() fdFault {
	pids := r.acceptors()
	restore, err := limitFDs(pids)
	if err != nil {
		restore()
		r.t.fail("out of descriptors", "%v", err)
		return fdFault{}
	}
	conns := r.holdSilent(r.crowd())
	time.Sleep(200 * time.Millisecond) // into the backoff
	f := fdFault{ran: true}
	f.cpu, f.lines = r.busy(r.cfg.window)
	restore()
	for _, c := range conns {
		c.Close()
	}
	f.recover = r.servedAgain(5 * time.Second)
	switch {
	case f.cpu > fdMaxCPU:
		r.t.fail("out of descriptors", "%.0f%% of a core while out of descriptors, want at most %.0f%%",
			100*f.cpu, 100*fdMaxCPU)
	case f.lines > fdMaxLines:
		r.t.fail("out of descriptors", "%.1f lines a second on stderr, want at most %d",
			f.lines, fdMaxLines)
	}
	if f.recover > fdMaxRecover {
		r.t.fail("out of descriptors", "served a good client %v after the descriptors came back, "+
			"want within %v", f.recover.Round(time.Millisecond), fdMaxRecover)
	}
	return f
}

// acceptors are the processes that call accept: the children of a pool
// whose children accept, or else the server itself.
func (r *run) acceptors() []int {
	if !r.d.childrenAccept() {
		return []int{r.srv.Pid()}
	}
	var pids []int
	live, _ := children(r.srv.Pid())
	for _, pid := range live {
		if r.isChild(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// limitFDs sets each process's RLIMIT_NOFILE to its lowest free descriptor
// and returns what puts the old limits back.
func limitFDs(pids []int) (restore func(), err error) {
	var undo []func()
	restore = func() {
		for _, f := range undo {
			f()
		}
	}
	for _, pid := range pids {
		var old unix.Rlimit
		if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &old); err != nil {
			return restore, fmt.Errorf("prlimit %d: %v", pid, err)
		}
		low := unix.Rlimit{Cur: uint64(lowestFree(pid)), Max: old.Max}
		if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &low, nil); err != nil {
			return restore, fmt.Errorf("prlimit %d: %v", pid, err)
		}
		undo = append(undo, func() { unix.Prlimit(pid, unix.RLIMIT_NOFILE, &old, nil) })
	}
	return restore, nil
}

// lowestFree is the lowest descriptor number that process pid has not
// open: the one its next open or accept would get.
func lowestFree(pid int) int {
	entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	open := map[int]bool{}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil {
			open[fd] = true
		}
	}
	fd := 0
	for open[fd] {
		fd++
	}
	return fd
}

// holdSilent opens n connections at once that send nothing, and returns
// those that connected.
func (r *run) holdSilent(n int) []net.Conn {
	conns := make([]net.Conn, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if c, err := dial(r.srv.addr); err == nil {
				conns[i] = c
			}
		})
	}
	wg.Wait()
	r.t.conns.Add(int64(n))
	var out []net.Conn
	for _, c := range conns {
		if c != nil {
			out = append(out, c)
		}
	}
	return out
}

// busy measures, over window, the CPU of the server and its children (a
// fraction of one core) and its stderr lines a second about the fault
// (EMFILE's "too many open files"; not the idle timeouts of the clients it
// had accepted before).
func (r *run) busy(window time.Duration) (cpu, lines float64) {
	cpu0, mark, t0 := r.cpu(), r.srv.stderrSize(), time.Now()
	time.Sleep(window)
	took := time.Since(t0)
	var used time.Duration
	for pid, t := range r.cpu() {
		used += t - cpu0[pid] // a child that died meanwhile is not counted
	}
	text := r.srv.stderr()
	n := 0
	for line := range strings.Lines(text[min(int(mark), len(text)):]) {
		if strings.Contains(line, "too many open files") {
			n++
		}
	}
	return used.Seconds() / took.Seconds(), float64(n) / took.Seconds()
}

// cpu is the CPU time of the server and of each live child, by PID.
func (r *run) cpu() map[int]time.Duration {
	live, _ := children(r.srv.Pid())
	used := map[int]time.Duration{}
	for _, pid := range append(live, r.srv.Pid()) {
		if t, err := lab.CPUTime(pid); err == nil {
			used[pid] = t
		}
	}
	return used
}

// servedAgain makes good requests until one is answered or limit passes,
// and returns how long that took.
func (r *run) servedAgain(limit time.Duration) time.Duration {
	t0 := time.Now()
	for time.Since(t0) < limit {
		if c, err := dial(r.srv.addr); err == nil {
			c.SetDeadline(t0.Add(limit))
			_, err := fmt.Fprintf(c, "100\n")
			got, end := drain(c, 100)
			c.Close()
			if err == nil && got == 100 && end == endDone {
				r.t.conns.Add(1)
				r.t.served.Add(1)
				return time.Since(t0)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(t0)
}
