package unp

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A Go program cannot fork(2) and go on running ordinary Go in the child: it
// is many threads, and a child that is a copy of just one of them inherits
// locked mutexes and a half-stopped runtime. So the fork analog starts this
// same executable again with a role marker in the environment, and the
// descriptors the child needs at known numbers. The child's main calls
// Child first thing and, finding a role, runs the book's child_main instead
// of the parent's main. (The -fork mode, rawfork.go, does fork with no
// exec: its child runs only the narrow Go that never enters the runtime.)

const roleEnv = "UNP_CHILD"

// Fork starts a child process: this executable again, with args as its
// arguments, role in its environment (see Child), and fds[i] open in the
// child as descriptor ChildFd(i). Standard input, output and error are
// shared with the parent. It returns the child's PID; the caller reaps it.
//
// Departure: the child gets SIGKILL if the parent dies (PR_SET_PDEATHSIG),
// so a killed server never leaves orphans serving its port; the book's
// forked children (child02.c to child05.c) outlive a killed parent. The kernel ties that signal
// to the parent *thread* that forked, and the Go runtime may end threads, so
// every Fork runs on one goroutine locked to its OS thread for the life of
// the process.
//
// A child starts with GOMAXPROCS=1 unless the environment sets GOMAXPROCS:
// like the book's child it does one thing at a time on one goroutine, and
// each processor makes the runtime's start-up dearer. A pooled child takes a
// second, idle one once it is running (PoolChild), for the runtime's sake.
//
// Departure: the book's Fork (lib/wrapunix.c) returns twice; a child here
// starts from main.
// What it costs over fork(2) is an exec and a Go runtime start-up, which
// the bench measures with serv01-fork.
func Fork(role string, args []string, fds ...int) (int, error) {
	forkerOnce.Do(startForker)
	req := forkReq{role, args, fds, make(chan forkResult)}
	forker <- req
	res := <-req.reply
	if res.err == nil {
		birthsMu.Lock()
		births[res.pid] = time.Now()
		birthsMu.Unlock()
	}
	return res.pid, res.err
}

// births records when each child was started, for ChildDied; Reap and
// TerminateAll forget the children they reap, so that a server forking a
// child per connection (serv01) does not grow it.
var (
	birthsMu sync.Mutex
	births   = map[int]time.Time{}
)

// childAge returns how long ago Fork started the child pid.
func childAge(pid int) (time.Duration, bool) {
	birthsMu.Lock()
	defer birthsMu.Unlock()
	born, ok := births[pid]
	return time.Since(born), ok
}

// forgetChild drops a reaped child from births.
func forgetChild(pid int) {
	birthsMu.Lock()
	delete(births, pid)
	birthsMu.Unlock()
}

// forgetChildren empties births, once no child is left.
func forgetChildren() {
	birthsMu.Lock()
	clear(births)
	birthsMu.Unlock()
}

// PoolChild is the first call of a preforked child's child_main (serv02 to
// serv05, and beyond/'s serv09, serv10 and serv12): it returns the slot
// number the parent's child_make passed as the child's first argument,
// quitting if there is none (a child started by hand, without its parent,
// has nothing to do), and readies the process for a long life of one
// blocking system call after another.
//
// That means a second, idle processor for the runtime: with one, sysmon
// takes the processor away from every system call of the child's that
// outlasts one of its ticks, and the child pays a hand-off per call that the
// book's C child never pays (sched.go tells the whole story). A child that
// serves one connection and exits (serv01) does not live long enough to need
// it, and a second processor makes the runtime's start-up dearer, so Fork
// starts every child with one.
func PoolChild(args []string) int {
	reserveTimers() // before the accept loop can run out of descriptors: see Backoff
	if schedPointOn {
		runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0)))
	}
	if len(args) > 0 {
		if i, err := strconv.Atoi(args[0]); err == nil && i >= 0 {
			return i
		}
	}
	Err_quit("child: no slot number in %q", args)
	return 0
}

// ChildFd returns the descriptor at which a child finds fds[i] of its Fork.
func ChildFd(i int) int { return 3 + i }

// Child reports whether this process was started by Fork, and if so with
// which role and arguments.
//
// Departure: a child ignores SIGINT, where the book's children (forked
// before serv02.c's parent installs its handler) die of it. Ctrl-C in a
// terminal signals the whole process group, and it is the parent's job to
// decide the order of shutdown (stop respawning, then terminate and reap
// its children).
func Child() (role string, args []string, ok bool) {
	role, ok = os.LookupEnv(roleEnv)
	if !ok {
		return "", nil, false
	}
	signal.Ignore(syscall.SIGINT)
	return role, os.Args[1:], true
}

type forkReq struct {
	role  string
	args  []string
	fds   []int
	reply chan forkResult
}

type forkResult struct {
	pid int
	err error
}

var (
	forkerOnce sync.Once
	forker     = make(chan forkReq)
)

func startForker() {
	exe, exeErr := os.Executable()
	env := make([]string, 0, len(os.Environ())+2)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, roleEnv+"=") {
			env = append(env, kv)
		}
	}
	if _, ok := os.LookupEnv("GOMAXPROCS"); !ok {
		env = append(env, "GOMAXPROCS=1")
	}
	go func() {
		runtime.LockOSThread() // never unlocked: this thread lives as long as the process
		for req := range forker {
			if exeErr != nil {
				req.reply <- forkResult{-1, exeErr}
				continue
			}
			files := []uintptr{0, 1, 2}
			for _, fd := range req.fds {
				files = append(files, uintptr(fd))
			}
			attr := &syscall.ProcAttr{
				Env:   append(env[:len(env):len(env)], roleEnv+"="+req.role),
				Files: files,
				Sys:   &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
			}
			argv := append([]string{os.Args[0]}, req.args...)
			pid, err := syscall.ForkExec(exe, argv, attr)
			if err != nil {
				err = fmt.Errorf("fork %s: %w", req.role, err)
			}
			req.reply <- forkResult{pid, err}
		}
	}()
}
