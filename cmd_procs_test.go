package unpgo

import (
	"os"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"unp-go.dev/lab"
)

func init() {
	commands["noprocs"] = noprocs
}

// noprocs waits (at most 5 s) until no process started by this scenario is
// left: no server, no child of a server, no client. It finds them by the
// scenario's own $WORK in their environment, which every child inherits,
// so it also sees orphans that were re-parented to init.
func noprocs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: noprocs")
	}
	var left []int
	if !poll(5*time.Second, func() bool { left = scriptProcs(ts, ""); return len(left) == 0 }) {
		ts.Fatalf("processes still running: %v", left)
	}
}

// scriptProcs lists live processes whose environment has this scenario's
// WORK and, if role is not empty, UNP_CHILD=role. Zombies are left out:
// they no longer run, and their parent is what reaps them.
func scriptProcs(ts *testscript.TestScript, role string) []int {
	work := ts.Getenv("WORK")
	var pids []int
	for _, pid := range lab.Pids() {
		if pid == os.Getpid() {
			continue
		}
		env, err := lab.Env(pid)
		if err != nil || env["WORK"] != work || role != "" && env["UNP_CHILD"] != role {
			continue
		}
		if p, err := lab.Stat(pid); err == nil && p.State != 'Z' {
			pids = append(pids, pid)
		}
	}
	return pids
}
