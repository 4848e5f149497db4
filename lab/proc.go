package lab

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A Proc is what lab reads about a process from /proc/PID/stat.
type Proc struct {
	Pid, PPid, Pgrp int
	State           byte   // R, S, D, T, Z, ... as ps prints it
	Comm            string // the command name, cut to 15 bytes by the kernel
	Threads         int    // num_threads, as the Threads: line of /proc/PID/status
}

// String describes p as "PID (COMM) STATE, parent PPID".
func (p Proc) String() string {
	return fmt.Sprintf("%d (%s) %c, parent %d", p.Pid, p.Comm, p.State, p.PPid)
}

// parseStat parses /proc/PID/stat. The command name is in parentheses and
// may itself hold spaces and parentheses, so fields are counted from the
// last ')'.
func parseStat(b []byte) (Proc, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return Proc{}, fmt.Errorf("malformed stat %.40q", b)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:open])))
	f := strings.Fields(string(b[end+1:])) // state ppid pgrp ... (proc(5))
	if err != nil || len(f) < 18 || len(f[0]) != 1 {
		return Proc{}, fmt.Errorf("malformed stat %.40q", b)
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgrp, err2 := strconv.Atoi(f[2])
	threads, err3 := strconv.Atoi(f[17]) // num_threads
	if errors.Join(err1, err2, err3) != nil {
		return Proc{}, fmt.Errorf("malformed stat %.40q", b)
	}
	p := Proc{Pid: pid, PPid: ppid, Pgrp: pgrp, State: f[0][0], Comm: string(b[open+1 : end]),
		Threads: threads}
	return p, nil
}

// CPUTime is the CPU time that process pid has used, user and system, all
// its threads together (utime + stime of /proc/PID/stat, in the kernel's
// USER_HZ ticks: 100 a second on every Linux). A server's children count
// only in their own; their parent's cutime covers those it has reaped.
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	end := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[end+1:])) // state ppid ... utime stime (proc(5))
	if end < 0 || len(f) < 13 {
		return 0, fmt.Errorf("malformed stat %.40q", b)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if errors.Join(err1, err2) != nil {
		return 0, fmt.Errorf("malformed stat %.40q", b)
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}

// userHZ is the unit of the times in /proc/PID/stat (sysconf(_SC_CLK_TCK)).
const userHZ = 100

// Stat reads process pid's stat.
func Stat(pid int) (Proc, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Proc{}, err
	}
	return parseStat(b)
}

// Pids lists the ID of every process, in the order of /proc's names.
// Reading a process's stat costs the kernel more than its environ: a
// search by environment reads that first.
func Pids() []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Procs lists every process whose stat it can read, in the order of
// /proc's names. A process that is gone meanwhile is left out.
func Procs() []Proc {
	var ps []Proc
	for _, pid := range Pids() {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		if p, err := parseStat(b); err == nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// Env is the environment process pid was started with (or set up by its
// exec), from /proc/PID/environ. A variable set twice keeps its first
// value, the one getenv(3) finds. A zombie's is empty.
func Env(pid int) (map[string]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for kv := range strings.SplitSeq(string(b), "\x00") {
		k, v, ok := strings.Cut(kv, "=")
		if _, seen := env[k]; ok && !seen {
			env[k] = v
		}
	}
	return env, nil
}

// FDs is the number of descriptors process pid has open.
func FDs(pid int) (int, error) {
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(fds), err
}

// Catches reports whether process pid has a handler for sig: its bit in
// the SigCgt mask of /proc/PID/status. A C server that installs its
// handler last, after its children, is ready when it catches SIGINT.
func Catches(pid int, sig syscall.Signal) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false
	}
	for line := range strings.Lines(string(b)) {
		if hex, ok := strings.CutPrefix(line, "SigCgt:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
			return err == nil && mask&(1<<(sig-1)) != 0
		}
	}
	return false
}

// InSyscall reports whether a thread of process pid is blocked in system
// call nr, from the number that /proc/PID/task/TID/syscall starts with.
// In serv03-flock and serv04-mutex the child in accept4 is the one that
// holds the lock around it.
func InSyscall(pid, nr int) bool {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	want := strconv.Itoa(nr)
	for _, t := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/syscall", pid, t.Name()))
		if got, _, _ := strings.Cut(string(b), " "); got == want {
			return true
		}
	}
	return false
}
