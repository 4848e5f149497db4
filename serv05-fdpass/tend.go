package main

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// What the book's parent leaves undone. Its loop (main.go) quits when a
// child dies, never hears that one has stopped, and dies on the first
// accept error other than an aborted connection.
//
// Departure: everything below departs from serv05.c; it is kept out of
// main's loop so that the loop reads like the book's: main calls tend once
// each time round, after the listener and the pipes.

var (
	accepts = unp.Backoff{What: "accept"} // EMFILE and the like
	forks   = unp.Backoff{What: "fork"}   // EAGAIN: out of processes
	// Until when the listener, or the empty slots, are left alone.
	acceptAt, forkAt time.Time
)

// tend handles the signals that came in this round (SIGCHLD: reap, log
// stops, replace the dead; SIGINT, SIGTERM: the book's sig_int) and starts
// a child in every empty slot whose time has come.
func tend(rset *unix.FdSet, sigfd int) {
	if rset.IsSet(sigfd) {
		switch unp.ReadSignal(sigfd) {
		case syscall.SIGCHLD:
			unp.Reap(reaped)
		case syscall.SIGINT, syscall.SIGTERM:
			sig_int()
			os.Exit(0)
		}
	}
	fill()
}

// acceptFailed paces the listener after an accept error such as EMFILE,
// which leaves the connection queued: main leaves the listener out of its
// select until acceptAt, and reads its children's pipes meanwhile.
func acceptFailed(err error) {
	acceptAt = time.Now().Add(accepts.Failed(err))
}

// wakeup is select's timeout: until the listener's pause ends, or until an
// empty slot may be filled, whichever comes first; nil (wait for a
// descriptor) if neither is pending, zero if the time has come.
func wakeup() *unix.Timeval {
	now := time.Now()
	var wake []time.Time
	if now.Before(acceptAt) {
		wake = append(wake, acceptAt)
	}
	for i := range cptr {
		if cptr[i].child_pid == 0 {
			wake = append(wake, forkAt)
			break
		}
	}
	if len(wake) == 0 {
		return nil
	}
	d := max(wake[0].Sub(now), 0)
	for _, t := range wake[1:] {
		d = min(d, max(t.Sub(now), 0))
	}
	tv := unix.NsecToTimeval(d.Nanoseconds())
	return &tv
}

// reaped empties the slot of the dead child pid, keeping its count, or
// marks it stopped or continued. A stopped child is passed nothing (see
// available) until it continues: only the client it was serving waits.
func reaped(pid int, ws unix.WaitStatus) {
	for i := range cptr {
		if cptr[i].child_pid != pid {
			continue
		}
		if ws.Stopped() || ws.Continued() {
			unp.ChildStopped(i, pid, ws)
			cptr[i].stopped = ws.Stopped()
			return
		}
		forkAt = later(forkAt, time.Now().Add(unp.ChildDied(i, pid, ws)))
		hungUp(i)
		cptr[i].child_pid = 0
		return
	}
}

// hungUp closes the pipe of a child that has died, and leaves its slot busy
// until the child is reaped and replaced.
func hungUp(i int) {
	cptr[i].child_status = busy
	if cptr[i].child_pipefd >= 0 {
		unp.Close(cptr[i].child_pipefd)
		cptr[i].child_pipefd = -1
	}
}

// fill starts a child in every empty slot, once forkAt has come: a child
// that died young, or a fork that failed, puts it off (ChildDied, forks).
func fill() {
	if time.Now().Before(forkAt) {
		return // main's select wakes at forkAt
	}
	for i := range cptr {
		if cptr[i].child_pid != 0 {
			continue
		}
		if err := child_make(i); err != nil {
			forkAt = time.Now().Add(forks.Failed(fmt.Errorf("child_make %d: %w", i, err)))
			return
		}
		forks.Succeeded()
	}
}

// later is the later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
