package unp

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Children is the parent's table of preforked children in serv02, serv03
// and serv04 (and beyond/'s serv09, serv10, serv12 and serv13): the book's
// pids array, one slot per child, plus the child_make that fills a slot.
//
// Departure: the parent of serv02.c, serv03.c and serv04.c never looks at
// its children again until sig_int, so a child that dies is simply lost
// capacity (and a zombie).
// Here the parent reaps it at once, logs one line, and starts a new child in
// the same slot: the slot keeps its meter counter, so the SIGINT report still
// adds up to every connection served.
type Children struct {
	Pids       []int // by slot; 0 while a slot is empty
	child_make func(i int) (int, error)
	forks      Backoff     // child_make failing: EAGAIN when out of processes
	after      []time.Time // by slot: not to be filled before then (ChildDied)
}

// Prefork starts nchildren children, calling child_make(i) for each slot i,
// and returns the table. child_make forks one child and returns its PID.
// Prefork quits if the process limit leaves no room for the pool (see
// PoolFits), and exits through Err_sys if a child cannot be started.
func Prefork(nchildren int, child_make func(i int) (int, error)) *Children {
	PoolFits(nchildren*ChildThreads+ParentThreads, fmt.Sprintf("%d children", nchildren))
	c := &Children{Pids: make([]int, nchildren), child_make: child_make,
		after: make([]time.Time, nchildren)}
	c.forks.What = "fork"
	for i := range c.Pids {
		pid, err := child_make(i)
		if err != nil {
			Err_sys(err, "child_make %d", i)
		}
		c.Pids[i] = pid // a child that dies from here on is replaced by Pause
	}
	return c
}

// Pause is the parent's life after the prefork, the book's
// `for ( ; ; ) pause();` with its handlers: it waits on sigfd (see
// SignalPipe); on SIGCHLD it reaps and replaces every dead child, and logs
// every child that stops or continues; on SIGINT or SIGTERM it runs sig_int
// and exits 0. Because all of it runs on this one goroutine, no child is
// ever started after sig_int has begun.
//
// A slot whose child could not be started (fork failing with EAGAIN: the
// process limit) stays empty, and Pause tries it again after the pause its
// Backoff gives, while it goes on waiting for signals: never a spin, one line
// a second at most.
func (c *Children) Pause(sigfd int, sig_int func()) {
	var retry time.Duration // how long until an empty slot is tried again; 0: none is empty
	for {
		if retry > 0 && !Readable(sigfd, retry) {
			retry = c.Fill()
			continue
		}
		switch ReadSignal(sigfd) {
		case syscall.SIGCHLD:
			Reap(func(pid int, ws unix.WaitStatus) { c.Reaped(pid, ws) })
			retry = c.Fill()
		case syscall.SIGINT, syscall.SIGTERM:
			sig_int()
			os.Exit(0)
		}
	}
}

// Reaped empties the slot of the dead child pid, for Fill to start its
// replacement, or logs that it stopped or continued, and reports whether
// pid was one of the pool's. Pause calls it for every child Reap reports; a
// parent with a loop of its own (beyond/'s serv13) calls it, and Fill, itself.
func (c *Children) Reaped(pid int, ws unix.WaitStatus) bool {
	i := slices.Index(c.Pids, pid)
	if i < 0 {
		return false
	}
	if ws.Stopped() || ws.Continued() {
		ChildStopped(i, pid, ws)
		return true
	}
	c.after[i] = time.Now().Add(ChildDied(i, pid, ws))
	c.Pids[i] = 0
	return true
}

// Fill starts a child in every empty slot whose time has come. It returns
// 0 if none is left empty, or else how long to wait before trying again.
func (c *Children) Fill() time.Duration {
	var retry time.Duration
	for i, pid := range c.Pids {
		if pid != 0 {
			continue
		}
		if wait := time.Until(c.after[i]); wait > 0 {
			retry = minPositive(retry, wait) // a child that died young: not yet
			continue
		}
		newpid, err := c.child_make(i)
		if err != nil {
			return minPositive(retry, c.forks.Failed(fmt.Errorf("child_make %d: %w", i, err)))
		}
		c.forks.Succeeded()
		c.Pids[i] = newpid
	}
	return retry
}

// minPositive is the smaller of two durations, 0 standing for none.
func minPositive(a, b time.Duration) time.Duration {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

// Terminate ends every child and reaps them all (see TerminateAll): the
// first half of the book's sig_int.
func (c *Children) Terminate() { TerminateAll(c.Pids) }

// Reap reaps every child that has exited, without blocking, and calls
// reaped for each: the waitpid(-1, &stat, WNOHANG) loop of the book's
// sig_chld (Figure 5.11). One SIGCHLD may stand for several dead children,
// hence the loop.
//
// Departure: with WUNTRACED and WCONTINUED it also reports a child that has
// stopped (SIGSTOP, SIGTSTP, a debugger attaching) or continued, with
// ws.Stopped() or ws.Continued() true; such a child is not reaped. The
// kernel sends SIGCHLD for both, but a parent hears of them only if it
// asks: the book's (sig_chld_waitpid.c's waitpid, serv02.c to serv05.c) never does, and a stopped child is invisible to it while
// it holds whatever it held — the accept lock, its place in serv05's list.
func Reap(reaped func(pid int, ws unix.WaitStatus)) {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG|unix.WUNTRACED|unix.WCONTINUED, nil)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.ECHILD || pid == 0:
			return // no child left, or none has exited
		case err != nil:
			Err_sys(err, "waitpid error")
		}
		reaped(pid, ws)
		if ws.Exited() || ws.Signaled() {
			forgetChild(pid)
		}
	}
}

// TerminateAll ends every child whose PID is in pids (0 and -1 are
// skipped) and reaps every child of this process. Only then does
// RUSAGE_CHILDREN hold the children's CPU time, so call it before
// Pr_cpu_time. It is done within a few seconds whatever the children do.
//
// The children are first stopped (SIGSTOP), so that they die together:
// killed one by one, the child holding serv04's mutex could die while a
// sibling still runs, and the sibling would wake, recover the mutex and say
// so on stderr in the middle of a clean shutdown.
//
// Departure: serv02.c's sig_int sends SIGTERM. A Go program catches SIGTERM in the
// runtime's handler, which runs Go code before the process dies, while the
// child's other threads go on: a sibling woken by the dead holder's mutex
// could still take it. SIGKILL ends a stopped child in the kernel, and no
// code of it runs again; a child that would ignore SIGTERM, or one stopped
// with SIGTERM pending, dies of it all the same.
func TerminateAll(pids []int) {
	var live []int
	for _, pid := range pids {
		if pid > 0 && unix.Kill(pid, unix.SIGSTOP) == nil {
			live = append(live, pid)
		}
	}
	stopAll(live)
	for _, pid := range live {
		if pid > 0 { // never 0 or -1: a whole process group, or every process
			unix.Kill(pid, unix.SIGKILL)
		}
	}
	ReapAll(reapLimit)
}

// Shutdown's limits: how long TerminateAll waits for its children to stop
// before it kills them anyway, and then for every child to be reaped.
const (
	stopLimit = time.Second
	reapLimit = 2 * time.Second
)

// stopAll waits, at most stopLimit, until every child in pids is stopped
// or dead, as the kernel shows it in /proc, and logs those that never were.
//
// It looks rather than waiting for the stop reports (wait4 with
// WUNTRACED): a report may never come. A stop already reported once (serv05
// and Children.Reap listen for stops) is not reported again; a SIGCONT that
// lands between the SIGSTOP and the stop (timeout(1) sends one to its whole
// process group right after its signal) undoes the stop, and one that lands
// after it withdraws the report; a child under a debugger stops for its
// tracer, and its parent hears nothing. Each look sends SIGSTOP again, for
// the SIGCONTs.
func stopAll(pids []int) {
	pids = slices.Clone(pids) // DeleteFunc below zeroes what it drops: not the caller's
	deadline := time.Now().Add(stopLimit)
	for {
		pids = slices.DeleteFunc(pids, stoppedOrDead)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			Err_msg("children %v not stopped after %v; killing them anyway", pids, stopLimit)
			return
		}
		for _, pid := range pids {
			unix.Kill(pid, unix.SIGSTOP)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stoppedOrDead reports whether every thread of process pid is stopped (T,
// or t: stopped by a tracer) or dead (Z, X), as /proc/PID/task/TID/stat
// shows, the state following the command name's closing parenthesis. A
// process that is gone altogether counts as dead.
func stoppedOrDead(pid int) bool {
	stats, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	for _, p := range stats {
		b, err := os.ReadFile(p)
		i := bytes.LastIndexByte(b, ')')
		if err != nil || i < 0 || i+2 >= len(b) {
			continue // that thread has gone
		}
		if !strings.ContainsRune("TtZX", rune(b[i+2])) {
			return false
		}
	}
	return true
}

// ReapAll reaps every child of this process, waiting at most limit for the
// last, and reports whether none is left. A child killed with SIGKILL is
// normally gone within milliseconds; one that a debugger traces is handed
// to its parent only once the tracer has seen it die, and one asleep in the
// kernel beyond signals (state D) dies when it wakes. ReapAll does not wait
// for ever on either: it logs which children are still there, and the
// caller's report goes out without their CPU time.
func ReapAll(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		pid, err := unix.Wait4(-1, nil, unix.WNOHANG, nil)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.ECHILD:
			forgetChildren() // every child is gone
			return true
		case err != nil:
			Err_sys(err, "wait error")
		case pid > 0:
			forgetChild(pid)
			continue
		}
		if time.Now().After(deadline) {
			Err_msg("children %v not reaped after %v; going on without them",
				childrenLeft(), limit)
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// childrenLeft lists this process's children, as /proc says:
// /proc/self/task/*/children names those of each thread.
func childrenLeft() []int {
	var pids []int
	lists, _ := filepath.Glob("/proc/self/task/*/children")
	for _, p := range lists {
		b, _ := os.ReadFile(p)
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// ChildStopped logs, in one line, that the child in slot i has stopped
// (and by which signal) or continued. A stopped child still holds what it
// held, so what its stop costs depends on the design: the package doc of
// each server says.
func ChildStopped(i, pid int, ws unix.WaitStatus) {
	if ws.Stopped() {
		Err_msg("child %d (pid %d) stopped by %s", i, pid, unix.SignalName(ws.StopSignal()))
		return
	}
	Err_msg("child %d (pid %d) continued", i, pid)
}

// ChildDied logs, in one line, that the child in slot i has died and is
// being replaced, and returns how long the replacement should wait. A child
// that dies within a second of its start is probably failing at start-up
// and will again: its replacement waits respawnPause, so a broken child
// costs a few lines a second rather than a parent spinning through fork
// after fork. The caller waits in its own loop, not in a sleep, so that it
// goes on reaping, and serv05's parent on passing connections.
func ChildDied(i, pid int, ws unix.WaitStatus) time.Duration {
	how := fmt.Sprintf("exited with status %d", ws.ExitStatus())
	if ws.Signaled() {
		how = "killed by " + unix.SignalName(ws.Signal())
	}
	Err_msg("child %d (pid %d) %s; starting a new one", i, pid, how)
	if lived, ok := childAge(pid); ok && lived < time.Second {
		return respawnPause
	}
	return 0
}

// respawnPause is how long a child that died young waits to be replaced.
const respawnPause = 200 * time.Millisecond
