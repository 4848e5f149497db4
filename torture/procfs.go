package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
	"unp-go.dev/lab"
)

// What torture knows about a server's processes it reads from /proc, as ps
// does (lab's readers, and /proc/net/tcp here): no cooperation from the
// server is needed, so a leak cannot hide.

// children returns the live children of ppid and counts its zombies.
func children(ppid int) (live []int, zombies int) {
	for _, p := range lab.Procs() {
		if p.PPid != ppid {
			continue
		}
		if p.State == 'Z' {
			zombies++
		} else {
			live = append(live, p.Pid)
		}
	}
	return live, zombies
}

// role is the fork analog's role of a process: UNP_CHILD in its
// environment. A child between fork and exec still has its parent's
// environment, so it has no role yet.
func role(pid int) string {
	env, _ := lab.Env(pid)
	return env["UNP_CHILD"]
}

// isChild reports whether pid, a live child of the server, is one of its
// serving children: by its role, or, for a design whose children are
// forked with no exec (lab.Design.Raw), which have no role of their own
// (only their parent's environment), by being the server's child at all.
func (r *run) isChild(pid int) bool { return r.d.Raw || role(pid) == "child" }

// usage is what a server holds: descriptors and threads of the server and
// its live children together, its live children, its zombies.
type usage struct {
	fds, threads, children, zombies int
}

func measure(pid int) usage {
	live, zombies := children(pid)
	u := usage{children: len(live), zombies: zombies}
	for _, p := range append(live, pid) {
		fds, _ := lab.FDs(p) // 0 for one that is gone
		st, _ := lab.Stat(p)
		u.fds += fds
		u.threads += st.Threads
	}
	return u
}

// TCP states in /proc/net/tcp (include/net/tcp_states.h).
const (
	tcpEstablished = 0x01
	tcpCloseWait   = 0x08
	tcpListen      = 0x0A
)

// orphanListens reports whether a process started with addrFile as its
// UNP_ADDR_FILE (a server, or any child it forked: they inherit the
// environment) holds a socket that listens on addr. After SIGKILL of a
// server's parent, that would be an orphan serving the port. Any other
// listener is not this server's: torture runs designs side by side, and the
// kernel may give the port a killed server freed to the next one that asks
// for port 0. (Binding the port to find out is wrong too: port 0 gave the
// server a port from the range the kernel also hands to clients, and a
// client may have it by now.)
func orphanListens(addr *net.TCPAddr, addrFile string) bool {
	for _, pid := range listeners(addr) {
		if env, err := lab.Env(pid); err == nil && env["UNP_ADDR_FILE"] == addrFile {
			return true
		}
	}
	return false
}

// listeners returns the processes that hold a socket listening on addr.
func listeners(addr *net.TCPAddr) []int {
	table, _ := os.ReadFile("/proc/net/tcp")
	inodes := listenInodes(table, addr)
	if len(inodes) == 0 {
		return nil
	}
	var pids []int
	for _, pid := range lab.Pids() {
		fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
		for _, fd := range fds {
			if link, err := os.Readlink(fd); err == nil && inodes[link] {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// listenInodes returns the sockets that listen on addr in a /proc/net/tcp
// table, as the links a descriptor of theirs reads ("socket:[INODE]").
func listenInodes(table []byte, addr *net.TCPAddr) map[string]bool {
	want := hexAddr(addr)
	inodes := map[string]bool{}
	for line := range bytes.SplitSeq(table, []byte("\n")) {
		f := strings.Fields(string(line))
		if len(f) > 9 && f[1] == want && f[3] == fmt.Sprintf("%02X", tcpListen) {
			inodes["socket:["+f[9]+"]"] = true
		}
	}
	return inodes
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
func tcpState(table []byte, local, remote *net.TCPAddr) (int, bool) {
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

// hexAddr is an IPv4 address and port as /proc/net/tcp prints them: the
// address as a host-order (here little-endian) word, the port in host order.
func hexAddr(a *net.TCPAddr) string {
	ip := a.IP.To4()
	if ip == nil {
		return ""
	}
	return fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], a.Port)
}

// inAccept reports whether a thread of pid is blocked in accept4(2). In
// serv03-flock and serv04-mutex the child in accept is the one holding the
// lock around it.
func inAccept(pid int) bool { return lab.InSyscall(pid, unix.SYS_ACCEPT4) }
