//go:build linux && (amd64 || arm64)

package unp

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"syscall"
	_ "unsafe" // for go:linkname
)

// The -fork mode: fork(2) as the book forks, with no exec after it.
//
// Go can fork without exec within one rule, and the standard library
// already does it: between clone and execve, syscall.forkAndExecInChild1
// runs Go code in the child. The rule comes from what the child is: a copy
// of the one thread that called clone, in a copy of the parent's memory,
// with a Go runtime whose other threads (the scheduler's, sysmon, the
// collector's) were not copied and whose locks may be held by them. The
// runtime can never be entered again: the first allocation, the first
// stack growth, the first write barrier, the first goroutine switch would
// wait for a thread that does not exist, or find its data half changed.
// So a raw child runs only code that needs no runtime:
//
//   - every function it runs is //go:nosplit: no stack check, so nothing
//     can ever call morestack (runtime_BeforeFork also spoils the stack
//     guard, so a stack check that slipped through would crash, not grow);
//   - no allocation, no pointer stores (a store of a pointer into memory
//     can be a write barrier, a runtime call), no interface or closure
//     calls, no bounds-check panics: indexes are masked or loops checked;
//   - no package but raw system calls (syscall.RawSyscall6, an assembly
//     stub) and sync/atomic; buffers are package-level arrays;
//   - signals: the runtime's handlers were copied too, and must never run,
//     so every signal stays blocked but SIGTERM, whose action is set back
//     to the default (die); SIGKILL and SIGSTOP cannot be blocked, and
//     that is how the parent stops and ends its children (TerminateAll);
//   - PR_SET_PDEATHSIG, SIGKILL, as Fork's children have;
//   - it ends with exit_group, never by returning.
//
// Departure: the book's children (child02.c to child05.c) keep every
// signal's default action, so Ctrl-C kills them, and outlive a killed
// parent; a raw child keeps SIGINT blocked, and dies with its
// parent, as Fork's children do.
//
// The linker bounds the stack such a child can use: its nosplit check
// (cmd/link's stackcheck.go, "nosplit stack overflow") proves that every
// chain of nosplit calls fits in the room a stack check guarantees, so
// the child, which starts inside rawClone on the forking goroutine's
// stack, never runs off it. The rest is proved by TestRawChild at the
// repository's root: it disassembles each server and fails if anything
// reachable from rawChildMain calls into the runtime, calls indirectly, or
// checks its stack. (rawClone, where the child begins, is not walked: it
// calls the runtime's fork bracket on the parent's side. On the child's
// side it runs two instructions and calls rawChildMain.)
//
// What it saves, against Fork: the exec, the Go runtime's start-up in every
// child (its threads, its heap, its page faults), and so most of a child's
// system calls; the bench shows the rows side by side. What it costs: the
// child's code is the book's C written in a narrow Go (rawchild.go), and
// cannot use the package's Go helpers (Web_child, NextRequest, Reply,
// Backoff, Err_msg), which rawchild.go and rawhttp.go rewrite in that form:
// the child answers the book's line and HTTP as an exec child does.

// rawArgs is what the child needs, filled in by the forking goroutine just
// before each clone: the child reads its copy of it, and nothing else of
// the parent's.
var rawArgs struct {
	kind  int // kindAccept, kindFdpass or kindConn
	slot  int
	ppid  uintptr // to catch a parent that died before PR_SET_PDEATHSIG
	keep  [4]int  // descriptors the child keeps beside 0, 1, 2; ascending, -1 unused
	fd    int     // the listener, the pipe to the parent, or the connection
	count *int64  // kindAccept: the meter's counter for slot, or nil

	lockKind int     // kindAccept: lockNone, lockFcntl or lockFutex
	lockfd   int     // lockFcntl: the lock file
	word     *uint32 // lockFutex: the futex word in the shared page
	entry    *uintptr

	idle    int64    // UNP_IDLE_TIMEOUT in ns: how long a begun line may take
	prog    [32]byte // the program's name, for error lines
	progLen int      //
	peer    [64]byte // rawConn: the client, as the parent's accept saw it
	peerLen int
}

// The child's kinds: what rawChildMain runs.
const (
	kindAccept = iota // serv02-serv04: accept on a shared listener, forever
	kindFdpass        // serv05: receive descriptors from the parent, forever
	kindConn          // serv01: serve one connection, exit
)

// The locks a rawAccept child holds around accept.
const (
	lockNone = iota
	lockFcntl
	lockFutex
)

// beforeFork and afterFork are the runtime's own fork bracket
// (syscall.runtime_BeforeFork and runtime_AfterFork), which
// syscall.forkAndExecInChild1 calls: BeforeFork blocks every
// signal on this thread (so none can run a Go handler in the child before
// it blocks them itself), keeps the scheduler off this goroutine and
// spoils its stack guard; AfterFork, in the parent, undoes all three. The
// runtime exports them for the linker's pull-linkname check ("Do not
// remove or change the type signature", go.dev/issue/67401).
//
//go:linkname beforeFork syscall.runtime_BeforeFork
func beforeFork()

//go:linkname afterFork syscall.runtime_AfterFork
func afterFork()

// RawPrefork starts the child for slot i of a preforked pool in the -fork
// mode: a copy of this process, made by clone with no exec, which loops
// taking lock (nil for none), accepting on listenfd, counting the
// connection in meter's counter i (meter may be nil) and serving it, as
// serv02, serv03 and serv04's child_main do. It returns the child's PID.
func RawPrefork(i, listenfd int, meter *Meter, lock Lock) (int, error) {
	return rawFork(func() error {
		rawArgs.kind, rawArgs.slot, rawArgs.fd = kindAccept, i, listenfd
		rawArgs.count, rawArgs.lockKind = nil, lockNone
		if meter != nil {
			rawArgs.count = &meter.counts[i]
		}
		keep := []int{listenfd}
		switch l := lock.(type) {
		case nil:
		case *fcntlLock:
			rawArgs.lockKind, rawArgs.lockfd = lockFcntl, l.fd
			keep = append(keep, l.fd)
		case *mutexLock:
			rawArgs.lockKind, rawArgs.word, rawArgs.entry = lockFutex, l.word, l.entry
		default:
			return fmt.Errorf("raw fork: lock %T has no raw form", lock)
		}
		return rawKeep(keep...)
	})
}

// RawForkFdpass starts a serv05 child in the -fork mode: it receives
// connections and the client's address from the parent over pipefd (one
// end of a stream socketpair), serves each, closes it, and writes one byte
// back, as serv05's child_main does. It returns the child's PID.
func RawForkFdpass(pipefd int) (int, error) {
	return rawFork(func() error {
		rawArgs.kind, rawArgs.fd = kindFdpass, pipefd
		return rawKeep(pipefd)
	})
}

// RawForkConn starts a serv01 child in the -fork mode: it serves the one
// connection connfd from peer (the address accept returned) and exits.
// The child keeps no other descriptor: the book's child closes the
// listening socket first thing, and this one closes everything but connfd
// and the standard three. It returns the child's PID.
func RawForkConn(connfd int, peer string) (int, error) {
	return rawFork(func() error {
		rawArgs.kind, rawArgs.fd = kindConn, connfd
		rawArgs.peerLen = copy(rawArgs.peer[:], peer)
		return rawKeep(connfd)
	})
}

// rawKeep records the descriptors the child keeps, beside 0, 1 and 2.
func rawKeep(fds ...int) error {
	if len(fds) > len(rawArgs.keep) {
		return fmt.Errorf("raw fork: %d descriptors to keep, at most %d", len(fds), len(rawArgs.keep))
	}
	slices.Sort(fds)
	for i := range rawArgs.keep {
		rawArgs.keep[i] = -1
		if i < len(fds) {
			rawArgs.keep[i] = fds[i]
		}
	}
	return nil
}

// rawForkTid is the forking thread: the thread of the goroutine that made
// the first raw fork, wired to it for the process's life.
var (
	rawForkOnce sync.Once
	rawForkTid  int
)

// rawFork fills in rawArgs with set and clones the child, on the calling
// goroutine. The first call wires that goroutine to its thread for good:
// PR_SET_PDEATHSIG fires when the thread that forked the child ends, not
// the process (see Fork), and the Go runtime ends a thread only when a
// goroutine exits still wired to it. Every later call must come from the
// same goroutine (main's, in every server here), or it is refused.
//
// Departure from Fork, whose forks are made by a goroutine of their own:
// a hand-off to it and back costs every fork a few futex wake-ups, which
// serv01 would pay per connection.
func rawFork(set func() error) (int, error) {
	rawForkOnce.Do(func() {
		runtime.LockOSThread() // never unlocked
		rawForkTid = syscall.Gettid()
		idle, err := IdleTimeout()
		if err == nil {
			rawArgs.idle = idle.Nanoseconds()
		}
		rawArgs.progLen = copy(rawArgs.prog[:], progname())
		rawArgs.ppid = uintptr(os.Getpid())
	})
	if syscall.Gettid() != rawForkTid {
		return -1, fmt.Errorf("raw fork: not on the goroutine that made the first one")
	}
	if err := set(); err != nil {
		return -1, err
	}
	pid, errno := rawClone()
	if errno != 0 {
		return -1, fmt.Errorf("clone: %w", errno)
	}
	return int(pid), nil
}

// rawClone is fork(2): clone with SIGCHLD as the only flag, a copy of this
// thread in a copy of the process. The parent gets the child's PID; the
// child never returns from here.
//
//go:nosplit
func rawClone() (uintptr, syscall.Errno) {
	beforeFork()
	pid, _, errno := syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
	if errno == 0 && pid == 0 {
		rawChildMain() // in the child: never returns
	}
	afterFork()
	return pid, errno
}
