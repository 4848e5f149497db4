package lab

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A Group is a program that Start started as the leader of a process
// group of its own (setpgid): whatever it forks is in the group, where lab
// can find it (the group's members in /proc) and kill it (kill(-pgid)),
// orphans re-parented away from the leader included.
type Group struct {
	// Cmd is the leader's command; its ProcessState is set once Exited is
	// closed.
	Cmd      *exec.Cmd
	exited   chan struct{}
	exitedAt time.Time
}

// ErrStopped is what Start returns once StopAll has been called.
var ErrStopped = errors.New("stopped: no more programs start")

// pollEvery is how often WaitGone looks at /proc.
const pollEvery = 5 * time.Millisecond

// live holds the groups started and not yet killed, for KillAll.
var live = struct {
	sync.Mutex
	groups map[*Group]bool
}{groups: map[*Group]bool{}}

// stopping is set by StopAll, on the starter thread.
var stopping atomic.Bool

// Start starts cmd as the leader of a new process group, with standard
// output and error in the files named (created or truncated): a file,
// unlike a pipe, never keeps Wait waiting for a grandchild that still
// holds it. The leader gets deathsig if the calling process dies
// (PR_SET_PDEATHSIG): SIGKILL, or SIGINT for a server that should reap its
// children first. Start sets cmd's Stdout, Stderr and SysProcAttr.
func Start(cmd *exec.Cmd, stdout, stderr string, deathsig syscall.Signal) (*Group, error) {
	if Stopped() {
		return nil, ErrStopped
	}
	outf, err1 := os.Create(stdout)
	errf, err2 := os.Create(stderr)
	defer outf.Close() // the leader has its own copies
	defer errf.Close()
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = outf, errf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: deathsig}
	g := &Group{Cmd: cmd, exited: make(chan struct{})}
	var err error
	onStarter(func() { err = g.start() })
	if err != nil {
		return nil, err
	}
	go g.wait()
	return g, nil
}

// RealtimeAllowed reports whether a thread of this process may take the
// lowest real-time priority, SCHED_FIFO 1, by taking it and giving it
// back: nil where it may, EPERM where neither CAP_SYS_NICE nor an
// RLIMIT_RTPRIO of 1 or more allows it. The programs this process starts
// inherit the same rights.
func RealtimeAllowed() error {
	runtime.LockOSThread() // the thread tried is the thread put back
	defer runtime.UnlockOSThread()
	was, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		return fmt.Errorf("sched_getattr: %w", err)
	}
	fifo := unix.SchedAttr{Policy: unix.SCHED_FIFO, Priority: 1}
	if err := unix.SchedSetAttr(0, &fifo, 0); err != nil {
		return fmt.Errorf("sched_setattr SCHED_FIFO 1: %w", err)
	}
	if err := unix.SchedSetAttr(0, was, 0); err != nil {
		return fmt.Errorf("sched_setattr back: %w", err)
	}
	return nil
}

// start runs on the starter thread, where StopAll sets stopping: so a
// group is either not started, or started and in live before StopAll
// kills what is there.
func (g *Group) start() error {
	if stopping.Load() {
		return ErrStopped
	}
	if err := g.Cmd.Start(); err != nil {
		return err
	}
	live.Lock()
	live.groups[g] = true
	live.Unlock()
	return nil
}

func (g *Group) wait() {
	g.Cmd.Wait()
	g.exitedAt = time.Now()
	close(g.exited)
}

// Pid is the leader's process ID, which is also the group's.
func (g *Group) Pid() int { return g.Cmd.Process.Pid }

// Exited is closed once the leader has exited and been reaped.
func (g *Group) Exited() <-chan struct{} { return g.exited }

// Running reports whether the leader has not exited.
func (g *Group) Running() bool {
	select {
	case <-g.exited:
		return false
	default:
		return true
	}
}

// ExitedAt waits for the leader to exit and says when it did.
func (g *Group) ExitedAt() time.Time {
	<-g.exited
	return g.exitedAt
}

// Kill sends SIGKILL to every process of the group and waits for them as
// WaitGone does. It is safe to call again, and once the group has gone.
func (g *Group) Kill(limit time.Duration) error {
	defer forget(g)
	// A group's ID stays its own while any member is left, even a zombie;
	// once none is, the ID may be a stranger's.
	if syscall.Kill(-g.Pid(), 0) == nil {
		syscall.Kill(-g.Pid(), syscall.SIGKILL)
	}
	if err := g.WaitGone(limit); err != nil {
		return fmt.Errorf("SIGKILL to group %d: %w", g.Pid(), err)
	}
	return nil
}

// WaitGone waits up to limit for the leader to exit, then up to limit
// again until no process of the group is alive. It reaps those that are
// this process's children: a child subreaper (PR_SET_CHILD_SUBREAPER)
// inherits the orphans, and a zombie that no one reaps would look alive
// to kill(2). It returns an error naming what is still alive.
func (g *Group) WaitGone(limit time.Duration) error {
	select {
	case <-g.exited:
	case <-time.After(limit):
		return fmt.Errorf("process %d still running after %v", g.Pid(), limit)
	}
	deadline := time.Now().Add(limit)
	for {
		left := g.alive()
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still running after %v: %s", limit, describe(left))
		}
		time.Sleep(pollEvery)
	}
}

// alive reaps what it can of the group and lists its live members. Call it
// only once os/exec has reaped the leader: a wait4 on the group could
// otherwise take the leader's exit status from it.
func (g *Group) alive() []Proc {
	for {
		pid, err := syscall.Wait4(-g.Pid(), nil, syscall.WNOHANG, nil)
		if pid <= 0 && err != syscall.EINTR {
			break
		}
	}
	if syscall.Kill(-g.Pid(), 0) == syscall.ESRCH {
		return nil // the cheap answer, most of the time
	}
	return g.members()
}

// members lists the group's live processes as /proc shows them, reaping
// none.
func (g *Group) members() []Proc {
	var live []Proc
	for _, p := range Procs() {
		if p.Pgrp == g.Pid() && p.State != 'Z' {
			live = append(live, p)
		}
	}
	return live
}

func describe(ps []Proc) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "; ")
}

func forget(g *Group) {
	live.Lock()
	delete(live.groups, g)
	live.Unlock()
}

// KillAll kills every group started and not yet killed, waiting up to
// limit for each: the clean-up on the way out.
func KillAll(limit time.Duration) {
	live.Lock()
	var gs []*Group
	for g := range live.groups {
		gs = append(gs, g)
	}
	live.Unlock()
	for _, g := range gs {
		g.Kill(limit)
	}
}

// StopAll is the clean-up on Ctrl-C: no Start succeeds after it, and every
// group started is killed, as KillAll does.
func StopAll(limit time.Duration) {
	onStarter(func() { stopping.Store(true) })
	KillAll(limit)
}

// Stopped reports whether StopAll has been called.
func Stopped() bool { return stopping.Load() }
