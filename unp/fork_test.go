package unp

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestMain lets the test binary play a forked child: Fork re-executes it,
// and the child role "echo" writes its arguments to descriptor ChildFd(0).
func TestMain(m *testing.M) {
	if role, args, ok := Child(); ok {
		if role == "echo" {
			Writen(ChildFd(0), []byte(strings.Join(args, " ")))
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestFork(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	pid, err := Fork("echo", []string{"-test.run=^$", "hello", "child"}, p[1])
	unix.Close(p[1]) // the child has its own copy
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, _ := Readn(p[0], buf)
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil || ws.ExitStatus() != 0 {
		t.Fatalf("wait4: %v, status %v", err, ws)
	}
	if got := string(buf[:n]); got != "-test.run=^$ hello child" {
		t.Fatalf("child wrote %q", got)
	}
}
