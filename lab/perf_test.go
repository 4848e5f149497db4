package lab

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// calls is how many getppid the counted grandchild makes: far more than
// the Go runtime of the two processes makes on its own. It also makes
// sharedWakes futex wakes on a word of its own without FUTEX_PRIVATE_FLAG,
// which the Go runtime never makes, and privateWakes with it.
const (
	calls        = 20000
	sharedWakes  = 300
	privateWakes = 1000
)

// The helper processes of TestCountTree, by LAB_PERF_ROLE: the parent
// waits for a byte on standard input, then runs the child and waits for
// it; the child makes the calls and exits.
func init() {
	switch os.Getenv("LAB_PERF_ROLE") {
	case "parent":
		os.Stdin.Read(make([]byte, 1))
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "LAB_PERF_ROLE=child")
		if err := cmd.Run(); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	case "child":
		for range calls {
			unix.Getppid()
		}
		var word uint32
		for range sharedWakes { // FUTEX_WAKE, no one to wake: returns at once
			unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&word)), 1, 1, 0, 0, 0)
		}
		for range privateWakes { // FUTEX_WAKE_PRIVATE
			unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(&word)), 129, 1, 0, 0, 0)
		}
		os.Exit(0)
	}
}

// startParent starts the parent helper as a group, waiting for the byte
// that lets it go on; the caller writes it, once counting.
func startParent(t *testing.T) (*Group, *os.File) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "LAB_PERF_ROLE=parent")
	cmd.Stdin = r
	g, err := Start(cmd, filepath.Join(dir, "out"), filepath.Join(dir, "err"), syscall.SIGKILL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Kill(time.Second) })
	return g, w
}

// finish lets the parent go on, waits for it and reads the counters.
func finish(t *testing.T, g *Group, w *os.File, c *Counters) map[string]uint64 {
	w.Write([]byte{1})
	select {
	case <-g.Exited():
	case <-time.After(10 * time.Second):
		t.Fatal("the helper is still running after 10 s")
	}
	if !g.Cmd.ProcessState.Success() {
		t.Fatalf("helper: %v", g.Cmd.ProcessState)
	}
	n, err := c.Read()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("counts: %v over %d threads", n, c.Threads())
	return n
}

// TestCountTree counts a process from before it makes a child until after
// both have exited: the child's calls, made by a process that did not exist
// when counting started and that has exited and been reaped by the time of
// the reading, must be in the count.
func TestCountTree(t *testing.T) {
	sys, err := Syscalls()
	if err != nil {
		t.Skipf("no system call counter here: %v", err)
	}
	g, w := startParent(t)
	c, err := Count(g.Pid(), sys, ContextSwitches, PageFaults, TaskClock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if m := c.Missing(); len(m) > 0 {
		t.Fatalf("missing: %v", m)
	}
	if c.Threads() < 1 {
		t.Fatalf("counting %d threads", c.Threads())
	}
	n := finish(t, g, w, c)
	if n[sys.Name] < calls {
		t.Errorf("%d system calls counted, want at least the child's %d", n[sys.Name], calls)
	}
	for _, ev := range []Event{ContextSwitches, PageFaults, TaskClock} {
		if n[ev.Name] == 0 {
			t.Errorf("%s: 0 counted", ev.Name)
		}
	}
}

// TestCountBreakdown counts the child's getppid by its own tracepoint,
// beside a call it makes none of.
func TestCountBreakdown(t *testing.T) {
	evs, err := SyscallEvents([]string{"getppid", "pause"})
	if err != nil {
		t.Skipf("no per-call tracepoints here: %v", err)
	}
	g, w := startParent(t)
	c, err := Count(g.Pid(), evs...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n := finish(t, g, w, c)
	if n["getppid"] < calls || n["getppid"] > calls+100 || n["pause"] != 0 {
		t.Errorf("counted %v, want getppid %d (and a few of the runtime's), pause 0", n, calls)
	}
}

// TestCountFutexSplit: the child's shared wakes are counted as shared and
// its private ones as private, with the Go runtime's (all private); a run
// beside a busy go test has shown a few shared calls more, from elsewhere
// in the tree, so a few are allowed. The halves add up to no more than
// every futex call: a call made while the three counters of a thread are
// being opened, one after another, may be in the first and not the others.
func TestCountFutexSplit(t *testing.T) {
	all, err := Tracepoint("syscalls:sys_enter_futex")
	if err != nil {
		t.Skipf("no futex tracepoint here: %v", err)
	}
	shared, _ := FutexShared()
	private, _ := FutexPrivate()
	g, w := startParent(t)
	c, err := Count(g.Pid(), all, shared, private)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if m := c.Missing(); len(m) > 0 {
		t.Fatalf("missing: %v", m)
	}
	n := finish(t, g, w, c)
	if n[shared.Name] < sharedWakes || n[shared.Name] > sharedWakes+50 ||
		n[private.Name] < privateWakes || n[shared.Name]+n[private.Name] > n[all.Name] {
		t.Errorf("counted %v, want %d shared (and a few more), at least %d private, "+
			"and no more than all", n, sharedWakes, privateWakes)
	}
}

func TestTracepointMissing(t *testing.T) {
	_, err := Tracepoint("no_such_system:no_such_event")
	if err == nil || !strings.Contains(err.Error(), "no_such_event") {
		t.Errorf("Tracepoint of nothing: %v", err)
	}
	if _, err := Tracepoint("nocolon"); err == nil {
		t.Error("Tracepoint(nocolon) did not fail")
	}
}

// TestSwitches sees the switches of a process that has slept.
func TestSwitches(t *testing.T) {
	g := start(t, "sleep 0.01; sleep 0.01; exec sleep 30")
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if p, err := Stat(g.Pid()); err == nil && p.Comm == "sleep" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the shell never became sleep")
		}
	}
	if vol, _ := Switches(g.Pid()); vol == 0 {
		t.Error("no voluntary switch counted for a shell that waited twice")
	}
}
