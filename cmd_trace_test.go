package unpgo

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// Commands that put a server's child under a tracer, as a debugger
// attached to it (gdb -p) would, for the shutdown scenarios.
func init() {
	commands["trace"] = trace
	commands["untrace"] = untrace
	commands["rolepid"] = rolepid
}

// tracers are the scenarios' tracing threads: closing release ends one.
var tracers = struct {
	sync.Mutex
	m map[*testscript.TestScript]*tracer
}{m: map[*testscript.TestScript]*tracer{}}

type tracer struct {
	release chan struct{} // closed by untrace
	done    chan struct{} // closed once the tracing thread has ended
}

// trace PID attaches to process PID as its tracer (PTRACE_SEIZE) and never
// lets it go on: a signal it takes stops it for the tracer (state t), which
// never answers, and once it is killed its death is told to the tracer
// first, which does not wait for it, so its parent cannot reap it. That is
// a debugger that has attached and is busy elsewhere, or itself stopped.
// untrace (or the end of the scenario) releases it.
//
// A tracer is a thread, not a process: the tracing goroutine is locked to
// its thread and ends with it, which makes the kernel detach the tracee,
// and hand a dead one to its parent.
func trace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: trace PID")
	}
	pid, err := strconv.Atoi(args[0])
	ts.Check(err)
	t := &tracer{release: make(chan struct{}), done: make(chan struct{})}
	attached := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		defer close(t.done)
		err := unix.PtraceSeize(pid)
		attached <- err
		if err == nil {
			<-t.release
		}
	}()
	if err := <-attached; err != nil {
		ts.Fatalf("PTRACE_SEIZE %d: %v", pid, err)
	}
	tracers.Lock()
	tracers.m[ts] = t
	tracers.Unlock()
	ts.Defer(func() { releaseTracer(ts) })
	fmt.Fprintf(ts.Stdout(), "tracing %d\n", pid)
}

// untrace ends this scenario's tracer: its tracee goes on, or, if it was
// killed meanwhile, is handed to its parent (or to init) to be reaped.
func untrace(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: untrace")
	}
	if !releaseTracer(ts) {
		ts.Fatalf("untrace: nothing traced")
	}
}

func releaseTracer(ts *testscript.TestScript) bool {
	tracers.Lock()
	t := tracers.m[ts]
	delete(tracers.m, ts)
	tracers.Unlock()
	if t == nil {
		return false
	}
	close(t.release)
	<-t.done
	return true
}

// rolepid ROLE waits (at most 10 s) until exactly one process of this
// scenario is in ROLE (see killwait), and sets $PID to it: serv01's one
// child while one client is connected.
func rolepid(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: rolepid ROLE")
	}
	var pids []int
	if !poll(10*time.Second, func() bool { pids = scriptProcs(ts, args[0]); return len(pids) == 1 }) {
		ts.Fatalf("processes in role %q: %v, want one", args[0], pids)
	}
	ts.Setenv("PID", strconv.Itoa(pids[0]))
}
