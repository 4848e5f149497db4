package unpgo

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"unp-go.dev/lab"
)

// Commands that watch and poke the servers' processes from outside, as an
// operator would, through /proc and signals: the programs have no test
// hooks.
func init() {
	commands["inaccept"] = inaccept
	commands["slotpid"] = slotpid
	commands["waitstate"] = waitstate
	commands["signal"] = signalCmd
}

// inaccept ROLE waits (at most 10 s) until exactly one process of this
// scenario in ROLE (see killwait) has a thread asleep in accept(2), sets
// $PID to it and prints "PID is in accept". In serv03 and serv04 that child
// is the lock holder: the lock is taken before accept and released after
// it, so its siblings sleep on the lock. The kernel says where a thread
// sleeps in /proc/PID/task/TID/wchan (inet_csk_accept for a TCP accept):
// the programs are watched from outside, with no hook of their own.
func inaccept(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: inaccept ROLE")
	}
	var in []int
	if !poll(10*time.Second, func() bool {
		in = in[:0]
		for _, pid := range scriptProcs(ts, args[0]) {
			if sleepsIn(pid, "accept") {
				in = append(in, pid)
			}
		}
		return len(in) == 1
	}) {
		ts.Fatalf("processes in role %q asleep in accept: %v, want one", args[0], in)
	}
	ts.Setenv("PID", strconv.Itoa(in[0]))
	fmt.Fprintf(ts.Stdout(), "%d is in accept\n", in[0])
}

// sleepsIn reports whether a thread of pid sleeps in a kernel function
// whose name contains fn.
func sleepsIn(pid int, fn string) bool {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/wchan", pid))
	for _, t := range tasks {
		if w, err := os.ReadFile(t); err == nil && strings.Contains(string(w), fn) {
			return true
		}
	}
	return false
}

// signal SIG PID sends SIG (STOP, CONT, TERM, KILL, INT, HUP) to PID, any
// process, where testscript's kill signals only its own background
// commands.
func signalCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: signal SIG PID")
	}
	sig, ok := signals[strings.TrimPrefix(args[0], "SIG")]
	if !ok {
		ts.Fatalf("signal: unknown signal %q", args[0])
	}
	pid, err := strconv.Atoi(args[1])
	ts.Check(err)
	ts.Check(syscall.Kill(pid, sig))
}

// signals are the signals a scenario may send by name.
var signals = map[string]syscall.Signal{
	"STOP": syscall.SIGSTOP, "CONT": syscall.SIGCONT, "TERM": syscall.SIGTERM,
	"KILL": syscall.SIGKILL, "INT": syscall.SIGINT, "HUP": syscall.SIGHUP,
}

// slotpid ROLE SLOT waits (at most 10 s) for the process of this scenario
// in ROLE whose first argument is SLOT (a pooled server's child_make passes
// the slot number), and sets $PID to it. A child of the -fork mode has its
// parent's arguments: slot N is then the child with the N-th lowest PID,
// which holds while no child has been replaced (children are made in slot
// order).
func slotpid(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: slotpid ROLE SLOT")
	}
	slot, err := strconv.Atoi(args[1])
	ts.Check(err)
	found := poll(10*time.Second, func() bool {
		pids := scriptProcs(ts, args[0]) // in PID order
		for _, pid := range pids {
			cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			if argv := strings.Split(string(cmdline), "\x00"); len(argv) > 1 && argv[1] == args[1] {
				ts.Setenv("PID", strconv.Itoa(pid))
				return true
			}
		}
		if raw := pids[:0]; slot >= 0 {
			for _, pid := range pids {
				if env, err := lab.Env(pid); err == nil && env["UNP_CHILD"] == "" {
					raw = append(raw, pid)
				}
			}
			if slot < len(raw) {
				ts.Setenv("PID", strconv.Itoa(raw[slot]))
				return true
			}
		}
		return false
	})
	if !found {
		ts.Fatalf("no process in role %q for slot %s", args[0], args[1])
	}
}

// waitstate PID STATE waits (at most 10 s) until the kernel reports every
// thread of PID in STATE, the letter of /proc/PID/task/TID/stat: T for
// stopped, S for sleeping. A signal such as SIGSTOP takes effect in each
// thread on its own, a moment after kill(2) returns: a thread of the
// process may still be running when the sender goes on.
func waitstate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitstate PID STATE")
	}
	var states string
	if !poll(10*time.Second, func() bool {
		states = taskStates(args[0])
		return len(states) > 0 && strings.Trim(states, args[1]) == ""
	}) {
		ts.Fatalf("threads of %s in states %q, not all %s, after 10 s", args[0], states, args[1])
	}
}

// taskStates returns the state letter of each thread of pid, in one string.
func taskStates(pid string) string {
	stats, _ := filepath.Glob("/proc/" + pid + "/task/*/stat")
	var states []byte
	for _, p := range stats {
		stat, err := os.ReadFile(p)
		i := strings.LastIndexByte(string(stat), ')')
		if err != nil || i < 0 || i+2 >= len(stat) {
			continue
		}
		states = append(states, stat[i+2])
	}
	return string(states)
}
