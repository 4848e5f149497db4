package unpgo

import (
	"os"
	"slices"
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
//
// A child of the -fork mode (unp.RawPrefork) is cloned with no exec, so
// /proc shows it its parent's environment, with no UNP_CHILD: a process
// of the scenario with no role whose parent is one of the scenario's is
// in the role "child".
func scriptProcs(ts *testscript.TestScript, role string) []int {
	work := ts.Getenv("WORK")
	roles := map[int]string{} // every live process of the scenario
	ppids := map[int]int{}
	for _, pid := range lab.Pids() {
		if pid == os.Getpid() {
			continue
		}
		env, err := lab.Env(pid)
		if err != nil || env["WORK"] != work {
			continue
		}
		if p, err := lab.Stat(pid); err == nil && p.State != 'Z' {
			roles[pid], ppids[pid] = env["UNP_CHILD"], p.PPid
		}
	}
	var pids []int
	for pid, r := range roles {
		if _, ofScenario := roles[ppids[pid]]; r == "" && ofScenario {
			r = "child" // a raw child
		}
		if role == "" || r == role {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	return pids
}
