package main

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// serv01's floor. serv01-fork starts its child by exec (unp.Fork), and the
// child is a Go program: what an exec, a Go runtime start-up, an exit and a
// wait cost is a floor under serv01's CPU per connection that no change to
// serv01 itself can go below. The floor row measures exactly that, with no
// server and no client: the bench starts the serv01 binary in its child role
// (UNP_CHILD=child, as unp.Fork does, GOMAXPROCS=1 as unp.Fork gives it),
// with descriptor 3 one end of a socketpair whose other end is closed, so
// web_child reads EOF at once and the child exits; then it reaps it with
// wait4, whose rusage is the child's CPU. One such child per connection of
// the load, one after another. The parent's side of the fork (clone, the
// exec's page-table copy) is the bench's own CPU over the loop, which is
// added in. What the floor leaves out of serv01: accept, the request, the
// reply, the SIGCHLD and the parent's loop.

// floorTarget is the floor row for serv01's target t.
func floorTarget(t target) target {
	return target{Name: "serv01 floor", Row: 1, Group: t.Group, Series: "floor", Floor: true,
		Desc: "exec + exit + wait of serv01's child binary, doing nothing, per connection",
		Argv: t.Argv[:1]}
}

// runFloor makes n children of prog, one after another, and fills in r as
// a server run would: the CPU (the children's and the bench's own), the wall
// time and the connections.
func runFloor(prog string, n int, r *Run) error {
	env := append(os.Environ(), "UNP_CHILD=child", "GOMAXPROCS=1")
	var self0 unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &self0)
	t0 := time.Now()
	var user, sys float64
	for range n {
		sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("socketpair: %w", err)
		}
		unix.Close(sp[1]) // the peer is gone: the child reads EOF
		pid, err := syscall.ForkExec(prog, []string{prog, "(floor)"}, &syscall.ProcAttr{
			Env: env, Files: []uintptr{0, 1, 2, uintptr(sp[0])},
			Sys: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}})
		unix.Close(sp[0])
		if err != nil {
			return fmt.Errorf("fork: %w", err)
		}
		var ws unix.WaitStatus
		var ru unix.Rusage
		for {
			if _, err = unix.Wait4(pid, &ws, 0, &ru); err != unix.EINTR {
				break
			}
		}
		if err != nil || !ws.Exited() || ws.ExitStatus() != 0 {
			return fmt.Errorf("child %d: %v, status %v", pid, err, ws)
		}
		user += tvSeconds(ru.Utime)
		sys += tvSeconds(ru.Stime)
	}
	r.Wall = time.Since(t0).Seconds()
	var self1 unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &self1)
	r.User = user + tvSeconds(self1.Utime) - tvSeconds(self0.Utime)
	r.Sys = sys + tvSeconds(self1.Stime) - tvSeconds(self0.Stime)
	r.Conns = n
	return nil
}

func tvSeconds(tv unix.Timeval) float64 { return float64(tv.Sec) + float64(tv.Usec)/1e6 }
