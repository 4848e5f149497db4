package unp

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// childRoles are the parts the test binary can play when a test Forks it.
var childRoles = map[string]func(args []string){
	// echo writes its arguments to descriptor ChildFd(0).
	"echo": func(args []string) { Writen(ChildFd(0), []byte(strings.Join(args, " "))) },
	// exit does nothing: the child is the cost of a Fork alone.
	"exit": func([]string) {},
}

// TestMain lets the test binary play a forked child: Fork re-executes it
// with a role from childRoles.
func TestMain(m *testing.M) {
	if role, args, ok := Child(); ok {
		play, known := childRoles[role]
		if !known {
			Err_quit("no child role %q", role) // exit 1: the parent's wait sees it
		}
		play(args[1:]) // args[0] is -test.run, to keep the testing flags quiet
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// forkTest starts the test binary as a child in role, with fds.
func forkTest(t *testing.T, role string, args []string, fds ...int) int {
	t.Helper()
	pid, err := Fork(role, append([]string{"-test.run=^$"}, args...), fds...)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// waitOK reaps pid and fails the test unless it exited 0.
func waitOK(t *testing.T, pid int) {
	t.Helper()
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil || !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("child %d: wait4 %v, status %#x", pid, err, ws)
	}
}

func TestFork(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	pid := forkTest(t, "echo", []string{"hello", "child"}, p[1])
	unix.Close(p[1]) // the child has its own copy
	buf := make([]byte, 100)
	n, _ := Readn(p[0], buf)
	waitOK(t, pid)
	if got := string(buf[:n]); got != "hello child" {
		t.Fatalf("child wrote %q", got)
	}
}
