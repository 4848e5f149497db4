package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// What torture knows about a server's processes it reads from /proc, as ps
// does: no cooperation from the server is needed, so a leak cannot hide.

// A proc is the part of /proc/PID/stat that torture uses.
type proc struct {
	pid, ppid, pgrp int
	state           byte // R, S, D, Z, ...
}

// parseStat parses /proc/PID/stat. The command name is in parentheses and
// may itself hold spaces and parentheses, so fields are counted from the
// last ')'.
func parseStat(b []byte) (proc, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return proc{}, fmt.Errorf("malformed stat %.40q", b)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:open])))
	f := strings.Fields(string(b[end+1:]))
	if err != nil || len(f) < 3 || len(f[0]) != 1 {
		return proc{}, fmt.Errorf("malformed stat %.40q", b)
	}
	p := proc{pid: pid, state: f[0][0]}
	if p.ppid, err = strconv.Atoi(f[1]); err == nil {
		p.pgrp, err = strconv.Atoi(f[2])
	}
	return p, err
}

// procs lists every process it can read.
func procs() []proc {
	entries, _ := os.ReadDir("/proc")
	var ps []proc
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		if p, err := parseStat(b); err == nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// children returns the live children of ppid and counts its zombies.
func children(ppid int) (live []int, zombies int) {
	for _, p := range procs() {
		if p.ppid != ppid {
			continue
		}
		if p.state == 'Z' {
			zombies++
		} else {
			live = append(live, p.pid)
		}
	}
	return live, zombies
}

// groupMembers lists the live processes of process group pgid, orphans
// re-parented to init included.
func groupMembers(pgid int) []int {
	var pids []int
	for _, p := range procs() {
		if p.pgrp == pgid && p.state != 'Z' {
			pids = append(pids, p.pid)
		}
	}
	return pids
}

// role is the fork analog's role of a process: UNP_CHILD in its
// environment. A child between fork and exec still has its parent's
// environment, so it has no role yet.
func role(pid int) string {
	env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	for kv := range bytes.SplitSeq(env, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("UNP_CHILD=")); ok {
			return string(v)
		}
	}
	return ""
}

// fdCount is the number of open descriptors of pid, 0 if it is gone.
func fdCount(pid int) int {
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(fds)
}

// threadCount is the Threads: line of /proc/PID/status, 0 if it is gone.
func threadCount(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	return parseThreads(b)
}

func parseThreads(status []byte) int {
	for line := range bytes.SplitSeq(status, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("Threads:")); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(string(v)))
			return n
		}
	}
	return 0
}

// usage is what a server holds: descriptors and threads of the server and
// its live children together, its live children, its zombies.
type usage struct {
	fds, threads, children, zombies int
}

func measure(pid int) usage {
	live, zombies := children(pid)
	u := usage{fds: fdCount(pid), threads: threadCount(pid), children: len(live), zombies: zombies}
	for _, c := range live {
		u.fds += fdCount(c)
		u.threads += threadCount(c)
	}
	return u
}

// TCP states in /proc/net/tcp (include/net/tcp_states.h).
const (
	tcpEstablished = 0x01
	tcpCloseWait   = 0x08
	tcpListen      = 0x0A
)

// listening reports whether a socket listens on addr. After SIGKILL of a
// server's parent, that would be an orphan serving the port. (Binding the
// port to find out is wrong: port 0 gave the server a port from the range
// the kernel also hands to clients, and a client may have it by now.)
func listening(addr *net.TCPAddr) bool {
	table, _ := os.ReadFile("/proc/net/tcp")
	st, ok := tcpState(table, addr, &net.TCPAddr{IP: net.IPv4zero, Port: 0})
	return ok && st == tcpListen
}

// serverHolds reports whether the server still has its end of c open: the
// socket whose local address is c's remote one is ESTABLISHED or
// CLOSE_WAIT. Once the server calls close(2) it turns to FIN_WAIT1, even
// while unsent data keeps its FIN from leaving, so this sees a server give
// up on a client that reads nothing without reading (which would let the
// server go on).
func serverHolds(c *net.TCPConn) bool {
	table, _ := os.ReadFile("/proc/net/tcp")
	st, ok := tcpState(table, c.RemoteAddr().(*net.TCPAddr), c.LocalAddr().(*net.TCPAddr))
	return ok && (st == tcpEstablished || st == tcpCloseWait)
}

// tcpState finds the socket local → remote in a /proc/net/tcp table.
// Addresses are printed as the kernel holds them: the IPv4 address as a
// host-order (here little-endian) word, the port in host order.
func tcpState(table []byte, local, remote *net.TCPAddr) (int, bool) {
	hexAddr := func(a *net.TCPAddr) string {
		ip := a.IP.To4()
		if ip == nil {
			return ""
		}
		return fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], a.Port)
	}
	l, r := hexAddr(local), hexAddr(remote)
	for line := range bytes.SplitSeq(table, []byte("\n")) {
		f := strings.Fields(string(line))
		if len(f) > 3 && f[1] == l && f[2] == r {
			st, err := strconv.ParseInt(f[3], 16, 0)
			return int(st), err == nil
		}
	}
	return 0, false
}

// inAccept reports whether a thread of pid is blocked in accept4(2), from
// the system call number that /proc/PID/task/TID/syscall starts with. In
// serv03-flock and serv04-mutex the child in accept is the one holding the
// lock around it.
func inAccept(pid int) bool {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	accept := strconv.Itoa(unix.SYS_ACCEPT4)
	for _, t := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/syscall", pid, t.Name()))
		if nr, _, _ := strings.Cut(string(b), " "); nr == accept {
			return true
		}
	}
	return false
}
