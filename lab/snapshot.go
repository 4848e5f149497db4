package lab

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// Snapshot describes, in one line, what process pid is doing, as /proc
// shows it from outside: its threads grouped by state and the kernel
// function each sleeps in (wchan), its descriptors by kind, and the state
// of its event machinery (how many descriptors each epoll instance
// watches; each timerfd's expirations not yet read and time left). It is
// what a program that outstayed its time leaves behind to say where it
// stood, before it is killed. For a process that is gone it gives "pid N: "
// and the error.
func Snapshot(pid int) string {
	p, err := Stat(pid)
	if err != nil {
		return fmt.Sprintf("pid %d: %v", pid, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "pid %d (%s) %c", pid, p.Comm, p.State)
	threads := map[string]int{}
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		dir := fmt.Sprintf("/proc/%d/task/%s/", pid, t.Name())
		st, err := os.ReadFile(dir + "stat")
		if err != nil {
			continue
		}
		tp, err := parseStat(st)
		if err != nil {
			continue
		}
		wchan, _ := os.ReadFile(dir + "wchan")
		call, _ := os.ReadFile(dir + "syscall")
		nr, _, _ := strings.Cut(strings.TrimSpace(string(call)), " ")
		key := fmt.Sprintf("%c %s", tp.State, orDash(string(wchan)))
		if nr != "" && nr != "running" && nr != "-1" { // -1: not in a system call
			key += " syscall " + nr
		}
		threads[key]++
	}
	fmt.Fprintf(&b, "; %d threads:", len(tasks))
	for _, k := range slices.Sorted(maps.Keys(threads)) {
		fmt.Fprintf(&b, " %s ×%d;", k, threads[k])
	}
	kinds, machinery := map[string]int{}, []string{}
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err != nil {
			continue
		}
		kind, _, _ := strings.Cut(link, ":")
		if strings.HasPrefix(link, "anon_inode:") {
			kind = link
		} else if strings.HasPrefix(kind, "/") {
			kind = "file"
		}
		kinds[kind]++
		switch link {
		case "anon_inode:[eventpoll]", "anon_inode:[timerfd]":
			info, _ := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%s", pid, fd.Name()))
			machinery = append(machinery, fdState(fd.Name(), link, string(info)))
		}
	}
	fmt.Fprintf(&b, " %d descriptors:", len(fds))
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		fmt.Fprintf(&b, " %s ×%d;", k, kinds[k])
	}
	for _, m := range machinery {
		fmt.Fprintf(&b, " %s;", m)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// fdState sums up an epoll instance (descriptors watched) or a timerfd
// (ticks not yet read, and it_value, the time left: (0, 0) when disarmed)
// from its fdinfo.
func fdState(fd, link, info string) string {
	if link == "anon_inode:[eventpoll]" {
		return fmt.Sprintf("fd %s epoll watching %d", fd, strings.Count(info, "tfd:"))
	}
	var ticks, left string
	for line := range strings.SplitSeq(info, "\n") {
		k, v, _ := strings.Cut(line, ":")
		switch strings.TrimSpace(k) {
		case "ticks":
			ticks = strings.TrimSpace(v)
		case "it_value":
			left = strings.TrimSpace(v)
		}
	}
	return fmt.Sprintf("fd %s timerfd ticks %s it_value %s", fd, ticks, left)
}

func orDash(s string) string {
	if s = strings.TrimSpace(s); s == "" || s == "0" {
		return "-"
	}
	return s
}

// Snapshot describes every live process of the group (see the function
// Snapshot), one line each, without reaping any: the leader's exit status
// is os/exec's to collect.
func (g *Group) Snapshot() string {
	var lines []string
	for _, p := range g.members() {
		lines = append(lines, Snapshot(p.Pid))
	}
	return strings.Join(lines, "\n")
}
