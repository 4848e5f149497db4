package lab

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// start starts script with sh as a group, its output in t's directory.
func start(t *testing.T, script string) *Group {
	dir := t.TempDir()
	g, err := Start(exec.Command("sh", "-c", script), filepath.Join(dir, "out"),
		filepath.Join(dir, "err"), syscall.SIGKILL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Kill(time.Second) })
	return g
}

// waitMembers waits until the group has n live members.
func waitMembers(t *testing.T, g *Group, n int) {
	for deadline := time.Now().Add(5 * time.Second); len(g.alive()) != n; {
		if time.Now().After(deadline) {
			t.Fatalf("group %d: %v, want %d processes", g.Pid(), g.alive(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestKill(t *testing.T) {
	g := start(t, "sleep 30 & sleep 30 & wait")
	waitMembers(t, g, 3)
	if err := g.Kill(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if g.Running() || len(g.alive()) != 0 || g.ExitedAt().IsZero() {
		t.Errorf("after Kill: running %v, group %v", g.Running(), g.alive())
	}
	if ws := g.Cmd.ProcessState.Sys().(syscall.WaitStatus); ws.Signal() != syscall.SIGKILL {
		t.Errorf("leader ended %v, want SIGKILL", g.Cmd.ProcessState)
	}
	if err := g.Kill(time.Second); err != nil {
		t.Errorf("a second Kill: %v", err)
	}
}

// TestWaitGone sees the orphans a leader leaves in its group, and Kill
// end them.
func TestWaitGone(t *testing.T) {
	g := start(t, "sleep 30 & echo out; echo err >&2")
	err := g.WaitGone(200 * time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "(sleep) S, parent") {
		t.Errorf("WaitGone with an orphan left = %v", err)
	}
	if err := g.Kill(2 * time.Second); err != nil {
		t.Error(err)
	}
	dir := filepath.Dir(g.Cmd.Stdout.(*os.File).Name())
	out, _ := os.ReadFile(filepath.Join(dir, "out"))
	stderr, _ := os.ReadFile(filepath.Join(dir, "err"))
	if string(out) != "out\n" || string(stderr) != "err\n" {
		t.Errorf("stdout %q, stderr %q", out, stderr)
	}
}

func TestStartFails(t *testing.T) {
	dir := t.TempDir()
	_, err := Start(exec.Command(filepath.Join(dir, "nothing")), filepath.Join(dir, "out"),
		filepath.Join(dir, "err"), syscall.SIGKILL)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Start of no program: %v", err)
	}
	_, err = Start(exec.Command("true"), filepath.Join(dir, "no", "out"), "", syscall.SIGKILL)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Start with no output directory: %v", err)
	}
}

// TestDeathsig runs helper, which starts a sleep group from a goroutine
// whose thread then ends, and then StopAll. The sleep must outlive that
// thread, and not the helper. The helper ends with os.Exit, which runs no
// test cleanup, so it must leave nothing in its temporary directory.
func TestDeathsig(t *testing.T) {
	tmp := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelper$")
	cmd.Env = append(os.Environ(), "LAB_HELPER=1", "TMPDIR="+tmp)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("helper left %s in its temporary directory", left[0].Name())
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("helper said %q", out)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if p, err := Stat(pid); err != nil || p.State == 'Z' {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sleep %d still alive after its starter exited", pid)
		}
	}
}

// The helper keeps its main goroutine on the main thread, so that its test
// runs on another: a locked goroutine that exits on the main thread does
// not end it.
func init() {
	if os.Getenv("LAB_HELPER") == "1" {
		runtime.LockOSThread()
	}
}

// TestHelper is TestDeathsig's other process.
func TestHelper(t *testing.T) {
	if os.Getenv("LAB_HELPER") != "1" {
		t.Skip("run by TestDeathsig")
	}
	var g *Group
	started := make(chan error)
	go func() {
		runtime.LockOSThread() // and exit locked: the runtime ends the thread
		var err error
		g, err = Start(exec.Command("sleep", "30"), os.DevNull, os.DevNull, syscall.SIGKILL)
		started <- err
	}()
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if !g.Running() {
		t.Fatalf("sleep ended with the thread that asked for it: %v", g.Cmd.ProcessState)
	}
	StopAll(time.Second)
	if _, err := Start(exec.Command("true"), os.DevNull, os.DevNull, syscall.SIGKILL); err != ErrStopped {
		t.Errorf("Start after StopAll: %v", err)
	}
	if g.Running() {
		t.Error("StopAll left the sleep running")
	}
	// One more, which only the deathsig can end. Not start(t, ...): its
	// t.TempDir would outlive the os.Exit below.
	stopping.Store(false)
	g, err := Start(exec.Command("sleep", "30"), os.DevNull, os.DevNull, syscall.SIGKILL)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, g.Pid())
	w.Flush()
	os.Exit(0)
}

// RealtimeAllowed, as root, may take SCHED_FIFO 1, and gives it back:
// the thread that tried is at its usual policy after.
func TestRealtimeAllowed(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	err := RealtimeAllowed()
	if errors.Is(err, syscall.EPERM) {
		t.Skip("may not raise a priority here:", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if pol, _ := policyOf(t, 0); pol != unix.SCHED_NORMAL {
		t.Errorf("policy %d after, want SCHED_NORMAL", pol)
	}
}

func policyOf(t *testing.T, pid int) (policy, priority uint32) {
	a, err := unix.SchedGetAttr(pid, 0)
	if err != nil {
		t.Fatal(err)
	}
	return a.Policy, a.Priority
}
