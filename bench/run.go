package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// Bounds on the parts of one run that do not depend on the load.
const (
	startTimeout = 10 * time.Second // start to ready
	stopTimeout  = 10 * time.Second // SIGINT to exit
	pollEvery    = 5 * time.Millisecond
)

// Run is one design's run in one round: the raw numbers of -json.
type Run struct {
	Name  string  `json:"name"`
	Round int     `json:"round"`
	Idle  bool    `json:"idle,omitempty"` // started and interrupted, no client
	OK    bool    `json:"ok"`
	Err   string  `json:"error,omitempty"`
	Ready float64 `json:"ready_s"` // server start to ready
	Wall  float64 `json:"wall_s"`  // client start to client exit
	Conns int     `json:"connections"`
	Errs  int     `json:"errors"`
	// User and Sys are what the server printed: the book's numbers.
	User float64 `json:"user_s"`
	Sys  float64 `json:"sys_s"`
	// Wait4User and Wait4Sys are what wait4(2) reported for the server
	// and its reaped children, including the shutdown after it printed.
	Wait4User float64 `json:"wait4_user_s"`
	Wait4Sys  float64 `json:"wait4_sys_s"`
	// BusyCores is how many CPUs the whole machine kept busy, on average,
	// while the client ran (from /proc/stat); ClientCPU is the client's
	// user + sys time with its children. What is left of BusyCores once
	// the server and the client are taken out is other people's work.
	BusyCores float64       `json:"busy_cores"`
	ClientCPU float64       `json:"client_cpu_s"`
	Unit      string        `json:"unit,omitempty"`
	Counts    []int         `json:"counts,omitempty"`
	Client    *clientResult `json:"client,omitempty"`

	notStarted bool // the server never became ready
}

// runAll runs every target, round after round, printing progress.
func runAll(tmp, client string, res *results) {
	took := map[string]time.Duration{}
	for round := 1; round <= *rounds; round++ {
		if round > 1 && *budget > 0 {
			var next time.Duration // a round takes what the last one took
			for _, d := range took {
				next += d
			}
			if time.Since(started)+next > *budget {
				res.Stopped = fmt.Sprintf("%d asked; round %d would have ended past the %v -budget",
					*rounds, round, *budget)
				unp.Err_msg("stopping after round %d: %s", round-1, res.Stopped)
				break
			}
		}
		res.RoundsRun = round
		for i, t := range res.Targets {
			if res.Skipped[t.Name] != "" {
				continue
			}
			t0 := time.Now()
			r := runOnce(tmp, client, t, round, false)
			if r.notStarted && !res.ranOnce(t.Name) {
				res.skip(t.Name, r.Err)
				unp.Err_msg("round %d/%d %s: skipped: %s", round, *rounds, t.Name, r.Err)
				continue
			}
			idle := runOnce(tmp, client, t, round, true)
			took[t.Name] = time.Since(t0)
			res.Runs = append(res.Runs, r, idle)
			eta := etaAfter(res, took, round, i)
			switch {
			case !r.OK:
				unp.Err_msg("round %d/%d %-18s FAILED: %s  ETA %s", round, *rounds, t.Name, r.Err, eta)
			case !idle.OK:
				unp.Err_msg("round %d/%d %-18s FAILED idle: %s  ETA %s", round, *rounds, t.Name,
					idle.Err, eta)
			default:
				unp.Err_msg("round %d/%d %-18s %6.3f s %6.0f conn/s  CPU %.3f s  idle %.3f s  ETA %s",
					round, *rounds, t.Name, r.Wall, float64(r.Conns)/r.Wall, r.User+r.Sys,
					idle.User+idle.Sys, eta)
			}
		}
	}
}

// etaAfter estimates the time left after target i of round: each run left
// takes what that target took last time (or the mean of the others).
func etaAfter(res *results, took map[string]time.Duration, round, i int) string {
	var sum time.Duration
	for _, d := range took {
		sum += d
	}
	mean := sum / time.Duration(len(took))
	var left time.Duration
	for r := round; r <= *rounds; r++ {
		for j, t := range res.Targets {
			if (r == round && j <= i) || res.Skipped[t.Name] != "" {
				continue
			}
			if d, ok := took[t.Name]; ok {
				left += d
			} else {
				left += mean
			}
		}
	}
	if *budget > 0 { // runAll starts no round that would end past it
		left = min(left, max(0, *budget-time.Since(started)))
	}
	return left.Round(time.Second).String()
}

// runOnce starts the server, waits until it is ready, runs the client
// (unless idle), interrupts the server and reads its report. An idle run
// measures what the server costs to start and stop. Whatever fails, the
// server's and the client's process groups are gone when it returns.
func runOnce(tmp, client string, t target, round int, idle bool) (r Run) {
	r = Run{Name: t.Name, Round: round, Idle: idle}
	base := filepath.Join(tmp, fmt.Sprintf("%s.%d.%v", strings.ReplaceAll(t.Name, " ", "_"),
		round, idle))
	argv, env := t.Argv, os.Environ()
	var port int
	if t.External {
		var err error
		if port, err = freePort(); err != nil {
			r.Err = err.Error()
			return r
		}
		argv = portArgs(argv, port)
	} else {
		env = append(env, "UNP_ADDR_FILE="+base+".addr")
	}
	t0 := time.Now()
	srv, exited, err := start(argv, env, base+".srv", syscall.SIGINT)
	if err != nil {
		r.Err, r.notStarted = err.Error(), true
		return r
	}
	defer stop(srv, exited) // a no-op once the server has exited

	if t.External {
		err = waitConnect(port, srv.Process.Pid, exited)
	} else {
		port, err = waitAddrFile(base+".addr", exited)
	}
	if err != nil {
		r.Err, r.notStarted = err.Error()+stderrOf(base+".srv"), true
		return r
	}
	r.Ready = time.Since(t0).Seconds()

	if !idle {
		if err := runClient(client, port, base+".cli", &r); err != nil {
			r.Err = err.Error()
			return r
		}
	}

	srv.Process.Signal(syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		r.Err = fmt.Sprintf("still running %v after SIGINT: killed", stopTimeout)
		return r
	}
	if err := leftovers(srv.Process.Pid); err != nil {
		r.Err = err.Error()
		return r
	}
	if ru, ok := srv.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.Wait4User = float64(ru.Utime.Nano()) / 1e9
		r.Wait4Sys = float64(ru.Stime.Nano()) / 1e9
	}
	out, _ := os.ReadFile(base + ".srv.out")
	rep, err := parseReport(string(out))
	if !srv.ProcessState.Success() {
		err = fmt.Errorf("server %v after SIGINT%s", srv.ProcessState, stderrOf(base+".srv"))
	}
	if err != nil {
		r.Err = err.Error()
		return r
	}
	r.User, r.Sys, r.Unit, r.Counts = rep.User, rep.Sys, rep.Unit, rep.Counts
	r.OK = r.Err == ""
	return r
}

// runClient runs the client with the book's arguments against port and
// fills in the wall time, the connections and the errors.
func runClient(client string, port int, base string, r *Run) error {
	argv := []string{client, "127.0.0.1", strconv.Itoa(port),
		strconv.Itoa(*children), strconv.Itoa(*loops), strconv.Itoa(*nbytes)}
	busy0, t0 := cpuBusy(), time.Now()
	cli, done, err := start(argv, os.Environ(), base, syscall.SIGKILL)
	if err != nil {
		return err
	}
	select {
	case <-done:
	case <-time.After(*timeout):
		stop(cli, done)
		return fmt.Errorf("client still running after %v: killed", *timeout)
	}
	r.Wall = time.Since(t0).Seconds()
	r.BusyCores = (cpuBusy() - busy0) / r.Wall
	if ru, ok := cli.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.ClientCPU = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	stop(cli, done) // its children, if any outlived it
	out, _ := os.ReadFile(base + ".out")
	c, err := parseClient(string(out))
	if err != nil {
		return err
	}
	r.Client = &c
	want := *children * *loops
	r.Conns, r.Errs = want, (*children-c.Done)**loops // the book's client: a child quits at its first error
	if c.Summary {
		r.Conns, r.Errs = c.Conns, c.Errors
	}
	switch {
	case r.Errs > 0 || c.Done != *children:
		return fmt.Errorf("client: %d errors, %d of %d children done%s",
			r.Errs, c.Done, *children, stderrOf(base))
	case !cli.ProcessState.Success():
		return fmt.Errorf("client %v%s", cli.ProcessState, stderrOf(base))
	}
	return nil
}

// live holds the process groups the bench has started and not yet seen
// end, so that a failure or a Ctrl-C can kill them all.
var live = struct {
	sync.Mutex
	pgids map[int]bool
}{pgids: map[int]bool{}}

// start runs argv in a process group of its own, with standard output and
// error in files (base.out, base.err): a file, unlike a pipe, never keeps
// Wait waiting for a grandchild that still holds it. deathsig reaches the
// process if the bench dies; SIGINT lets a server reap its children first.
func start(argv, env []string, base string, deathsig syscall.Signal) (*exec.Cmd, chan error, error) {
	if argv[0] == "" {
		return nil, nil, errors.New("no program")
	}
	outf, err1 := os.Create(base + ".out")
	errf, err2 := os.Create(base + ".err")
	if err := errors.Join(err1, err2); err != nil {
		return nil, nil, err
	}
	defer outf.Close()
	defer errf.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, nil, outf, errf
	// Pdeathsig is tied to the thread that forks: main is locked to the
	// main thread (see init), which lives as long as the bench.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: deathsig}
	live.Lock()
	defer live.Unlock()
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	live.pgids[cmd.Process.Pid] = true
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); close(exited) }()
	return cmd, exited, nil
}

// stop kills cmd's process group unless cmd has exited and taken its group
// with it, waits for cmd, and reaps the group's orphans.
func stop(cmd *exec.Cmd, exited chan error) {
	pgid := cmd.Process.Pid
	if syscall.Kill(-pgid, 0) == nil {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
	<-exited
	if !gone(pgid, 2*time.Second) {
		unp.Err_msg("still there after SIGKILL: %s", strings.Join(groupProcs(pgid), ", "))
	}
	live.Lock()
	delete(live.pgids, pgid)
	live.Unlock()
}

// gone reaps the group's orphans, which the kernel hands to the bench (a
// child subreaper, see main), until the group is empty or d has passed.
// Call it only once os/exec has waited for the group's leader: a wait4 on
// the group could otherwise take the leader's exit status from it.
func gone(pgid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		for {
			pid, err := unix.Wait4(-pgid, nil, unix.WNOHANG, nil)
			if pid <= 0 && err != unix.EINTR {
				break
			}
		}
		if syscall.Kill(-pgid, 0) != nil {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pollEvery)
	}
}

// killAll kills every process group the bench started.
func killAll() {
	live.Lock()
	defer live.Unlock()
	for pgid := range live.pgids {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

// leftovers reports a server whose children outlived it (for up to a
// second after it exited), and kills them.
func leftovers(pgid int) error {
	if gone(pgid, time.Second) {
		return nil
	}
	left := groupProcs(pgid)
	syscall.Kill(-pgid, syscall.SIGKILL)
	gone(pgid, time.Second)
	return fmt.Errorf("processes left in the server's group after it exited: %s: killed",
		strings.Join(left, ", "))
}

// waitAddrFile waits for a Go server's UNP_ADDR_FILE and returns its port.
func waitAddrFile(path string, exited chan error) (int, error) {
	deadline := time.Now().Add(startTimeout)
	for {
		if data, err := os.ReadFile(path); err == nil {
			host, port, err := net.SplitHostPort(strings.TrimSpace(string(data)))
			if err != nil || host != "127.0.0.1" {
				return 0, fmt.Errorf("address file holds %q, want 127.0.0.1:PORT", data)
			}
			return strconv.Atoi(port)
		}
		if err := waitTick(exited, deadline); err != nil {
			return 0, err
		}
	}
}

// waitConnect waits until an external server is ready: it catches SIGINT
// and answers a one-byte request on 127.0.0.1:port. Answering alone is not
// enough: the book's servers listen before they make their children or
// threads, which serve at once, and install the SIGINT handler only after
// the last one is made; a SIGINT before that kills the server and orphans
// its children. The handler, seen in /proc/PID/status, is the C server's
// "ready".
func waitConnect(port, pid int, exited chan error) error {
	deadline := time.Now().Add(startTimeout)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for {
		err := errors.New("no SIGINT handler yet")
		if catches(pid, syscall.SIGINT) {
			err = probe(addr)
		}
		if err == nil {
			return nil
		}
		if werr := waitTick(exited, deadline); werr != nil {
			return fmt.Errorf("%v (last try: %v)", werr, err)
		}
	}
}

// probe makes one request of one byte.
func probe(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	var b [1]byte
	if _, err = io.WriteString(c, "1\n"); err == nil {
		_, err = io.ReadFull(c, b[:])
	}
	return err
}

// catches reports whether process pid has a handler for sig: its bit in
// the SigCgt mask of /proc/PID/status.
func catches(pid int, sig syscall.Signal) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(data)) {
		if hex, ok := strings.CutPrefix(line, "SigCgt:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			return err == nil && mask&(1<<(sig-1)) != 0
		}
	}
	return false
}

// waitTick waits one poll interval, or reports that the server exited or
// that the deadline passed.
func waitTick(exited chan error, deadline time.Time) error {
	select {
	case err := <-exited:
		if err == nil {
			return errors.New("exited before it was ready")
		}
		return fmt.Errorf("exited before it was ready (%v)", err)
	case <-time.After(pollEvery):
	}
	if time.Now().After(deadline) {
		return fmt.Errorf("not ready after %v", startTimeout)
	}
	return nil
}

// freePort asks the kernel for a free port on 127.0.0.1, for an external
// server that cannot take port 0.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// stderrOf returns ": " and the first line a program wrote on standard
// error, or "" if it wrote nothing.
func stderrOf(base string) string {
	data, _ := os.ReadFile(base + ".err")
	if line := firstLine(string(data)); line != "" {
		return ": " + line
	}
	return ""
}

// groupProcs describes the processes of a group, from /proc:
// "PID (NAME) STATE, parent PPID".
func groupProcs(pgid int) []string {
	var out []string
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		stat, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		i := bytes.LastIndexByte(stat, ')')
		if err != nil || i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:])) // state ppid pgrp ...
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) {
			out = append(out, fmt.Sprintf("%s %s, parent %s", stat[:i+1], f[0], f[1]))
		}
	}
	return out
}

// cpuBusy is the CPU time, in seconds over all CPUs, the machine has spent
// on anything but idling since boot: the first line of /proc/stat, in
// USER_HZ (100 on Linux) ticks.
func cpuBusy() float64 {
	data, _ := os.ReadFile("/proc/stat")
	f := strings.Fields(firstLine(string(data)))
	var busy float64
	for i, v := range f {
		n, err := strconv.ParseFloat(v, 64)
		// user nice system idle iowait irq softirq steal: skip idle, iowait
		if i == 0 || i == 4 || i == 5 || i > 8 || err != nil {
			continue
		}
		busy += n
	}
	return busy / 100
}

// otherCores is how many CPUs, on average, work other than the server and
// the client kept busy during a run. The server's CPU includes its start-up
// before the client ran, so this errs low.
func (r Run) otherCores() float64 {
	return max(0, r.BusyCores-(r.ClientCPU+r.User+r.Sys)/r.Wall)
}
