package unpgo

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"unp-go.dev/lab"
)

// Commands for the process designs' scenarios (serv01-serv05); the
// SIGINT report's counts are checked with sumcounts.
func init() {
	commands["killwait"] = killwait
	commands["fds"] = fds
	commands["sigterm"] = sigterm
}

// sigterm PROGRAM sends SIGTERM to the process of this scenario running
// PROGRAM whose parent does not run it too: the server, not its forked
// children. testscript's kill knows only SIGINT and SIGKILL.
func sigterm(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sigterm PROGRAM")
	}
	comm := args[0][:min(len(args[0]), 15)] // the kernel keeps 15 bytes of it
	ppid := map[int]int{}                   // of each process running PROGRAM
	for _, pid := range scriptProcs(ts, "") {
		if p, err := lab.Stat(pid); err == nil && p.Comm == comm {
			ppid[pid] = p.PPid
		}
	}
	var parents []int
	for pid, pp := range ppid {
		if _, child := ppid[pp]; !child {
			parents = append(parents, pid)
		}
	}
	if len(parents) != 1 {
		ts.Fatalf("processes running %s whose parent does not: %v, want one", args[0], parents)
	}
	ts.Check(syscall.Kill(parents[0], syscall.SIGTERM))
}

// killwait ROLE N [PID] sends SIGKILL to one process of this scenario in
// ROLE (unp.Fork's role, e.g. "child"), or to PID, prints "killed PID", and
// waits (at most 10 s) until that process is gone and N processes run in
// ROLE again: the parent has reaped the dead child and started its
// replacement.
func killwait(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 && len(args) != 3 {
		ts.Fatalf("usage: killwait ROLE N [PID]")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	pids := scriptProcs(ts, args[0])
	if len(pids) == 0 {
		ts.Fatalf("no process in role %q", args[0])
	}
	victim := pids[0]
	if len(args) == 3 {
		victim, err = strconv.Atoi(args[2])
		ts.Check(err)
	}
	ts.Check(syscall.Kill(victim, syscall.SIGKILL))
	fmt.Fprintf(ts.Stdout(), "killed %d\n", victim)
	if !poll(10*time.Second, func() bool {
		pids = scriptProcs(ts, args[0])
		return len(pids) == n && !slices.Contains(pids, victim)
	}) {
		ts.Fatalf("%d processes in role %q after killing %d: %v", len(pids), args[0], victim, pids)
	}
}

// fds save FILE writes the open-descriptor count of every process of this
// scenario, one "NAME ROLE COUNT" line each, sorted, to FILE, once they hold
// still (see quietCounts). fds same FILE waits (at most 5 s) until the
// counts are again what FILE holds, and fails with both lists if they never
// are: a descriptor leak.
func fds(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || (args[0] != "save" && args[0] != "same") {
		ts.Fatalf("usage: fds save|same FILE")
	}
	path := ts.MkAbs(args[1])
	if args[0] == "save" {
		ts.Check(os.WriteFile(path, []byte(quietCounts(ts)), 0o666))
		return
	}
	want, got := ts.ReadFile(args[1]), ""
	if !poll(5*time.Second, func() bool { got = fdCounts(ts); return got == want }) {
		ts.Fatalf("descriptor counts changed:\nwas:\n%snow:\n%s", want, got)
	}
}

// quietCounts returns the descriptor counts once they have held still for
// three looks 20 ms apart (at most 5 s): a child may still hold the last
// connection of a client that has just finished, until it reads the EOF,
// and a snapshot taken then would count it.
func quietCounts(ts *testscript.TestScript) string {
	last, same := fdCounts(ts), 0
	for deadline := time.Now().Add(5 * time.Second); same < 2 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		now := fdCounts(ts)
		if now == last {
			same++
		} else {
			last, same = now, 0
		}
	}
	return last
}

func fdCounts(ts *testscript.TestScript) string {
	var lines []string
	for _, pid := range scriptProcs(ts, "") {
		p, err1 := lab.Stat(pid)
		env, err2 := lab.Env(pid)
		n, err3 := lab.FDs(pid)
		if err1 != nil || err2 != nil || err3 != nil {
			continue // exited meanwhile
		}
		role, ok := env["UNP_CHILD"]
		if !ok {
			role = "parent"
		}
		lines = append(lines, fmt.Sprintf("%s %s %d\n", p.Comm, role, n))
	}
	slices.Sort(lines)
	return strings.Join(lines, "")
}
