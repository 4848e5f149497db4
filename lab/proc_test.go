package lab

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// stat is a /proc/PID/stat line: pid, comm, then fields 3 to 20 (state,
// ppid, pgrp, ..., num_threads) and a few more.
func stat(pid, comm, state, ppid, pgrp, threads string) string {
	return pid + " (" + comm + ") " + state + " " + ppid + " " + pgrp +
		" 8981 0 -1 4194304 132 0 0 0 0 0 0 0 20 0 " + threads + " 0 46781 2990080"
}

func TestParseStat(t *testing.T) {
	for _, tt := range []struct {
		stat string
		want Proc
	}{
		{stat("42", "serv02-prefork", "S", "7", "42", "3"), Proc{42, 7, 42, 'S', "serv02-prefork", 3}},
		{stat("43", "a) b (c)", "Z", "42", "40", "1"), Proc{43, 42, 40, 'Z', "a) b (c)", 1}}, // ") " in a name
		{stat("44", " ", "R", "1", "44", "12"), Proc{44, 1, 44, 'R', " ", 12}},
	} {
		got, err := parseStat([]byte(tt.stat))
		if err != nil || got != tt.want {
			t.Errorf("parseStat(%q) = %+v, %v; want %+v", tt.stat, got, err, tt.want)
		}
	}
	for _, bad := range []string{
		"", "42 serv00 S 1 1", "x (a) S 1 1", "42 (a) S 1 1 1 1 1 1", stat("42", "a", "SS", "1", "1", "1"),
		stat("42", "a", "S", "1", "1", "x"),
	} {
		if p, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q) = %+v, want an error", bad, p)
		}
	}
}

// TestStatSelf reads this very process. Its state is its main thread's,
// which need not be the one reading.
func TestStatSelf(t *testing.T) {
	p, err := Stat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	comm := filepath.Base(os.Args[0])
	want := Proc{Pid: os.Getpid(), PPid: os.Getppid(), Pgrp: syscall.Getpgrp(), State: p.State,
		Comm: comm[:min(len(comm), 15)], Threads: p.Threads}
	if p != want || !strings.ContainsRune("RS", rune(p.State)) || p.Threads < 1 {
		t.Errorf("Stat(self) = %+v, want %+v, threads set", p, want)
	}
	found := false
	for _, q := range Procs() {
		found = found || q.Pid == p.Pid && q.PPid == p.PPid
	}
	if !found || !slices.Contains(Pids(), p.Pid) {
		t.Errorf("Procs() or Pids() does not list this process %d", p.Pid)
	}
}

// sleeper starts "sleep 30" with LAB_TEST=x in its environment, and waits
// until it sleeps in nanosleep.
func sleeper(t *testing.T) *exec.Cmd {
	cmd := exec.Command("sleep", "30")
	cmd.Env = append(os.Environ(), "LAB_TEST=x")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if nanosleeps(cmd.Process.Pid) {
			return cmd
		}
		if time.Now().After(deadline) {
			t.Fatal("sleep never slept")
		}
	}
}

func nanosleeps(pid int) bool {
	return InSyscall(pid, syscall.SYS_CLOCK_NANOSLEEP) || InSyscall(pid, syscall.SYS_NANOSLEEP)
}

func TestSleeper(t *testing.T) {
	pid := sleeper(t).Process.Pid
	p, err := Stat(pid)
	if err != nil || p.PPid != os.Getpid() || p.Threads != 1 {
		t.Errorf("Stat(sleep) = %+v, %v", p, err)
	}
	if env, err := Env(pid); err != nil || env["LAB_TEST"] != "x" || env["PATH"] != os.Getenv("PATH") {
		t.Errorf("Env(sleep) = LAB_TEST %q, PATH %q, %v", env["LAB_TEST"], env["PATH"], err)
	}
	if InSyscall(pid, syscall.SYS_ACCEPT4) {
		t.Error("InSyscall: sleep is in accept4")
	}
	if Catches(pid, syscall.SIGINT) {
		t.Error("Catches: sleep catches SIGINT")
	}
	if !Catches(os.Getpid(), syscall.SIGURG) { // the Go runtime's preemption signal
		t.Error("Catches: this process does not catch SIGURG")
	}
	if Catches(os.Getpid(), syscall.SIGKILL) {
		t.Error("Catches: this process catches SIGKILL")
	}
}

func TestFDs(t *testing.T) {
	n0, err := FDs(os.Getpid())
	f1, _ := os.Open(os.DevNull)
	f2, _ := os.Open(os.DevNull)
	n, _ := FDs(os.Getpid())
	f1.Close()
	f2.Close()
	if n0 < 3 || n != n0+2 || err != nil {
		t.Errorf("FDs(self) = %d, %v, then %d with two more open", n0, err, n)
	}
}

func TestGone(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if _, err := Stat(pid); err == nil {
		t.Errorf("Stat of reaped process %d did not fail", pid)
	}
	if _, err := Env(pid); err == nil {
		t.Errorf("Env of reaped process %d did not fail", pid)
	}
	if n, err := FDs(pid); n != 0 || err == nil {
		t.Errorf("FDs of reaped process %d = %d, %v", pid, n, err)
	}
	if s := (Proc{Pid: 7, PPid: 1, State: 'S', Comm: "a b"}).String(); !strings.HasPrefix(s, "7 (a b) S, parent 1") {
		t.Errorf("String = %q", s)
	}
}

// TestCPUTime sees this process's CPU time grow while it spins, by what
// getrusage says it used: spinning is measured in CPU, not in wall time, so
// a busy machine that gives the test less of a core changes nothing.
func TestCPUTime(t *testing.T) {
	before, err := CPUTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	start := rusageSelf(t)
	for deadline := time.Now().Add(20 * time.Second); rusageSelf(t)-start < 200*time.Millisecond; {
		if time.Now().After(deadline) {
			t.Fatal("could not use 200 ms of CPU in 20 s")
		}
	}
	used := rusageSelf(t) - start
	after, _ := CPUTime(os.Getpid())
	// /proc counts in ticks of 10 ms, and other goroutines run too
	if d := after - before; d < used-50*time.Millisecond {
		t.Errorf("CPU time grew by %v while getrusage says %v were used", d, used)
	}
}

func rusageSelf(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
