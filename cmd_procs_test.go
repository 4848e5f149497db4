package unpgo

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() {
	commands["noprocs"] = noprocs
	commands["killchild"] = killchild
}

// noprocs waits (at most 5 s) until no process started by this scenario is
// left: no server, no child of a server, no client. It finds them by the
// scenario's own $WORK in their environment, which every child inherits,
// so it also sees orphans that were re-parented to init.
func noprocs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: noprocs")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := scriptProcs(ts, "")
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("processes still running: %v", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// killchild ROLE sends SIGKILL to one process of this scenario that the fork
// analog started in ROLE (unp.Fork's role, e.g. "child"), and prints its PID.
func killchild(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: killchild ROLE")
	}
	pids := scriptProcs(ts, args[0])
	if len(pids) == 0 {
		ts.Fatalf("no process in role %q", args[0])
	}
	ts.Check(syscall.Kill(pids[0], syscall.SIGKILL))
	fmt.Fprintf(ts.Stdout(), "killed %d\n", pids[0])
}

// scriptProcs lists live processes whose environment has this scenario's
// WORK and, if role is not empty, UNP_CHILD=role. Zombies are left out:
// they no longer run, and their parent is what reaps them.
func scriptProcs(ts *testscript.TestScript, role string) []int {
	want := []byte("WORK=" + ts.Getenv("WORK") + "\x00")
	wantRole := []byte("UNP_CHILD=" + role + "\x00")
	entries, err := os.ReadDir("/proc")
	ts.Check(err)
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil || !bytes.Contains(append([]byte{0}, env...), append([]byte{0}, want...)) {
			continue
		}
		if role != "" && !bytes.Contains(append([]byte{0}, env...), append([]byte{0}, wantRole...)) {
			continue
		}
		if stat, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
			if f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])); len(f) > 0 && f[0] == "Z" {
				continue
			}
		}
		pids = append(pids, pid)
	}
	return pids
}
