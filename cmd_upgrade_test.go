package unpgo

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"unp-go.dev/lab"
)

// Commands for beyond/'s serv13-upgrade, whose server outlives the process
// testscript started, and for socket activation, whose port must be named
// before the server starts.
func init() {
	commands["copybin"] = copybin
	commands["parentpid"] = parentpid
	commands["readpid"] = readpid
	commands["gone"] = gone
	commands["kids"] = kids
	commands["freeport"] = freeport
	commands["reportsums"] = reportsums
	commands["waitlisten"] = waitlisten
	commands["noenv"] = noenv
	signals["USR2"] = syscall.SIGUSR2
}

// copybin PROGRAM copies PROGRAM, as found on PATH, into $WORK, so that the
// scenario can run $WORK/PROGRAM and then replace that file, as a rebuild
// would, without touching the copy every other scenario runs. cp(1) writes
// the copy, not this process: a descriptor open for writing here would be
// inherited by any child that a parallel scenario forks in that moment,
// and until that child execs, running the copy fails with ETXTBSY ("text
// file busy", golang/go#22315).
func copybin(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: copybin PROGRAM")
	}
	src, err := exec.LookPath(args[0])
	ts.Check(err)
	out, err := exec.Command("cp", src, ts.MkAbs(filepath.Base(src))).CombinedOutput()
	if err != nil {
		ts.Fatalf("cp %s: %v: %s", src, err, out)
	}
}

// parentpid PROGRAM waits (at most 10 s) until exactly one process of this
// scenario runs PROGRAM, is in no Fork role, and has a parent that does not
// run PROGRAM, and sets $PID to it: the server's parent process. While
// serv13-upgrade's successor is on its way, that is the old parent (the
// successor's parent runs PROGRAM); once the old one has exited, the new.
func parentpid(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: parentpid PROGRAM")
	}
	comm := args[0][:min(len(args[0]), 15)] // the kernel keeps 15 bytes of it
	var parents []int
	if !poll(10*time.Second, func() bool {
		parents = parents[:0]
		for _, pid := range scriptProcs(ts, "") {
			p, err := lab.Stat(pid)
			env, err2 := lab.Env(pid)
			if err != nil || err2 != nil || p.Comm != comm || env["UNP_CHILD"] != "" {
				continue
			}
			if pp, err := lab.Stat(p.PPid); err != nil || pp.Comm != comm {
				parents = append(parents, pid)
			}
		}
		return len(parents) == 1
	}) {
		ts.Fatalf("parent processes running %s: %v, want one", args[0], parents)
	}
	ts.Setenv("PID", strconv.Itoa(parents[0]))
}

// readpid FILE waits (at most 10 s) until FILE holds a process ID, as a
// script written by the scenario records its own, and sets $NEWPID to it.
func readpid(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: readpid FILE")
	}
	var pid int
	if !poll(10*time.Second, func() bool {
		data, err := os.ReadFile(ts.MkAbs(args[0]))
		pid, err = strconv.Atoi(strings.TrimSpace(string(data)))
		return err == nil && pid > 0
	}) {
		ts.Fatalf("no process ID in %s after 10 s", args[0])
	}
	ts.Setenv("NEWPID", strconv.Itoa(pid))
}

// gone PID [LIMIT] waits (at most LIMIT, a Go duration, 10s unless given)
// until process PID is no more, not even a zombie: it has exited and its
// parent has reaped it. It prints "PID gone".
func gone(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 && len(args) != 2 {
		ts.Fatalf("usage: gone PID [LIMIT]")
	}
	pid, err := strconv.Atoi(args[0])
	ts.Check(err)
	limit := 10 * time.Second
	if len(args) == 2 {
		limit, err = time.ParseDuration(args[1])
		ts.Check(err)
	}
	if !poll(limit, func() bool {
		_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
		return os.IsNotExist(err)
	}) {
		p, _ := lab.Stat(pid)
		ts.Fatalf("process %d still there after %v: %v", pid, limit, p)
	}
	fmt.Fprintf(ts.Stdout(), "%d gone\n", pid)
}

// kids PID N waits (at most 10 s) until process PID has exactly N live
// children: a parent's own steps seen from outside (serv13's old parent
// retiring its idle children once its successor said it was ready).
func kids(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: kids PID N")
	}
	pid, err := strconv.Atoi(args[0])
	ts.Check(err)
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	var live []int
	if !poll(10*time.Second, func() bool {
		live = live[:0]
		for _, p := range lab.Procs() {
			if p.PPid == pid && p.State != 'Z' {
				live = append(live, p.Pid)
			}
		}
		return len(live) == n
	}) {
		ts.Fatalf("process %d has children %v, not %d", pid, live, n)
	}
	fmt.Fprintf(ts.Stdout(), "%d has %d children\n", pid, n)
}

// freeport sets $FREEPORT to a port of 127.0.0.1 that was free a moment
// ago, for a program that must be told its port before it starts: the
// kernel chose it from the ephemeral range, where another bind to port 0
// is unlikely to land on it again in the moment until it is used.
func freeport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: freeport")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	port := ln.Addr().(*net.TCPAddr).Port
	ts.Check(ln.Close())
	ts.Setenv("FREEPORT", strconv.Itoa(port))
}

// reportsums SUM... checks the last command's stdout for one SIGINT report
// per SUM, in order, each ending in the "user time" line, whose
// "child I, N connections" lines add up to SUM: the reports of an old and a
// new parent, which share one stdout. It prints the sums.
func reportsums(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: reportsums SUM...")
	}
	reports := strings.SplitAfter(ts.ReadFile("stdout"), "user time = ")
	reports = reports[:len(reports)-1] // what follows the last one
	if len(reports) != len(args) {
		ts.Fatalf("%d reports, want %d", len(reports), len(args))
	}
	re := regexp.MustCompile(`(?m)^child \d+, (\d+) connections$`)
	for i, r := range reports {
		sum := 0
		for _, m := range re.FindAllStringSubmatch(r, -1) {
			n, _ := strconv.Atoi(m[1])
			sum += n
		}
		if strconv.Itoa(sum) != args[i] {
			ts.Fatalf("report %d: counts sum to %d, want %s", i+1, sum, args[i])
		}
		fmt.Fprintf(ts.Stdout(), "report %d: %d connections\n", i+1, sum)
	}
}

// waitlisten PORT waits (at most 10 s) until a socket listens on
// 127.0.0.1:PORT, as /proc/net/tcp tells, without connecting to it: a
// connection would start a socket-activated server.
func waitlisten(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitlisten PORT")
	}
	port, err := strconv.Atoi(args[0])
	ts.Check(err)
	local := fmt.Sprintf("0100007F:%04X", port) // 127.0.0.1, as the kernel prints it
	if !poll(10*time.Second, func() bool {
		data, _ := os.ReadFile("/proc/net/tcp")
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) > 3 && f[1] == local && f[3] == "0A" {
				return true // TCP_LISTEN
			}
		}
		return false
	}) {
		ts.Fatalf("nothing listens on 127.0.0.1:%d after 10 s", port)
	}
}

// noenv ROLE VAR... checks that no process of this scenario in ROLE (see
// killwait) was started with any VAR in its environment, and that there is
// one in ROLE. It reads /proc/PID/environ, which is what the process was
// started with: a process that removes a variable later is not seen to.
func noenv(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: noenv ROLE VAR...")
	}
	pids := scriptProcs(ts, args[0])
	if len(pids) == 0 {
		ts.Fatalf("no process in role %q", args[0])
	}
	for _, pid := range pids {
		env, err := lab.Env(pid)
		if err != nil {
			continue // exited meanwhile
		}
		for _, v := range args[1:] {
			if val, ok := env[v]; ok {
				ts.Fatalf("process %d in role %q has %s=%s", pid, args[0], v, val)
			}
		}
	}
}
