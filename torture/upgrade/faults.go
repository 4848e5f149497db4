package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/lab"
)

// The faults way: serv13-upgrade handed over K times under the load, as in
// handover, each time with one fault at a random moment of the handover
// (up to faultWindow after the SIGUSR2), the kinds taken in turn so that
// each gets the same number:
//
//   - kill-new: the successor killed (SIGKILL). Before it is ready, the old
//     parent reaps it and serves on; while the old generation retires, the
//     old parent takes the server back; after the old parent has exited,
//     nothing is left, and this run restarts the server as a supervisor
//     would (a note says how often);
//   - stop-new: the successor stopped (SIGSTOP) for stopFor, then continued;
//   - usr2-twice: the old parent sent SIGUSR2 a second time;
//   - kill-oldchild, kill-newchild: a child of the old generation, or of the
//     new, killed.
//
// This run plays the supervisor, with socket activation: it holds the
// listening socket and passes it to every server it starts (LISTEN_FDS),
// so that a server restarted after a fault that left nothing serving finds
// the clients that came meanwhile queued, not refused.
//
// Each kind has a row of its own with what the clients saw from its
// upgrade's start to the next one's. A killed child cuts the connection it
// was serving (short or reset); a killed successor's children die with it,
// and their meters' counts with them, so "lost" is for the whole run only,
// and too low by what they served.
var faultKinds = []string{"kill-new", "stop-new", "usr2-twice", "kill-oldchild", "kill-newchild"}

const (
	faultWindow = 300 * time.Millisecond
	stopFor     = time.Second
)

// faultTallies is the count of each kind's attempts, kept by difference
// of the load's tally between the starts of two upgrades.
type faultTallies struct {
	by   map[string]*result
	last [6]int64
	kind string
}

func (f *faultTallies) switchTo(t *tally, kind string) {
	now := [6]int64{t.ok.Load(), t.refused.Load(), t.reset.Load(), t.short.Load(),
		t.timeout.Load(), t.other.Load()}
	if f.kind != "" {
		r := f.by[f.kind]
		r.OK += now[0] - f.last[0]
		r.Refused += now[1] - f.last[1]
		r.Reset += now[2] - f.last[2]
		r.Short += now[3] - f.last[3]
		r.Timeout += now[4] - f.last[4]
		r.Other += now[5] - f.last[5]
	}
	if kind != "" {
		f.by[kind].Upgrades++
	}
	f.last, f.kind = now, kind
}

// faulty is one upgrade of the faults way, with the fault of the given
// kind; it returns the generation serving afterwards.
func (d *driver) faulty(cur *gen, kind string) (*gen, error) {
	os.Remove(cur.addr)
	if err := unix.Kill(cur.pid, unix.SIGUSR2); err != nil {
		return nil, err
	}
	succ := d.successor(cur.pid)
	if succ <= 0 {
		return nil, fmt.Errorf("no successor of %d seen", cur.pid)
	}
	var oldKids []pidfd
	if kind == "kill-oldchild" {
		oldKids = pidfds(poolChildren(cur.pid)) // before they retire: after, none may be left
		defer closeAll(oldKids)
	}
	time.Sleep(rand.N(faultWindow))
	var victim int
	switch kind { // never a pid of 0 or -1: a whole process group, or every process
	case "kill-new":
		victim = succ
		unix.Kill(succ, unix.SIGKILL)
	case "stop-new":
		victim = succ
		unix.Kill(succ, unix.SIGSTOP)
		time.AfterFunc(stopFor, func() { unix.Kill(succ, unix.SIGCONT) })
	case "usr2-twice":
		victim = cur.pid
		unix.Kill(cur.pid, unix.SIGUSR2)
	case "kill-oldchild", "kill-newchild":
		kids := oldKids
		if kind == "kill-newchild" {
			kids = pidfds(poolChildren(succ))
			defer closeAll(kids)
		}
		victim = killOne(kids)
	}
	d.logf("%s: successor %d, victim %d", kind, succ, victim)
	if victim == 0 {
		d.note("%s: no child left to kill at the moment drawn", kind)
	}
	if strings.HasPrefix(kind, "kill-") && victim > 0 {
		// the kill takes effect a moment after kill(2) returns: settle
		// must not see a killed successor still running
		for deadline := time.Now().Add(time.Second); running(victim) && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	if kind == "stop-new" {
		time.Sleep(stopFor) // the successor goes on before the outcome is judged
	}
	return d.settle(cur, succ)
}

// successor waits (at most 2 s) for the new parent the old one has just
// started, and returns its PID, or 0 if none was seen. It is the old
// parent's child, or, if the old parent has already retired (all of it can
// take less than one look through /proc on a busy machine), this
// process's, its subreaper's; its environment has its listener's number,
// which neither a child of a pool nor a parent this run has seen has.
func (d *driver) successor(parent int) int {
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		d.mu.Lock()
		known := slices.Clone(d.pids)
		d.mu.Unlock()
		for _, p := range lab.Procs() {
			if p.PPid != parent && p.PPid != os.Getpid() || slices.Contains(known, p.Pid) {
				continue
			}
			if env, err := lab.Env(p.Pid); err == nil && env["UNP_LISTEN_FD"] != "" {
				d.mu.Lock()
				d.pids = append(d.pids, p.Pid) // killAll's, if the run ends here
				d.mu.Unlock()
				return p.Pid
			}
		}
		time.Sleep(time.Millisecond)
	}
	return 0
}

// settle waits (at most 30 s) until one generation is left: the old parent
// exited and the successor serving (it is then this process's to reap,
// being its subreaper), or the successor dead and the old parent serving
// on. If neither is left, it restarts the server, as a supervisor would.
func (d *driver) settle(old *gen, succ int) (*gen, error) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		oldUp, newUp := running(old.pid), succ != 0 && running(succ)
		switch {
		case oldUp && !newUp && !exists(succ):
			return old, nil // reaped by the old parent, which serves on
		case !oldUp && newUp:
			if err := d.wait(old); err != nil {
				d.note("old parent: %v", err)
			}
			return &gen{pid: succ, out: old.out, addr: old.addr}, waitFile(old.addr)
		case !oldUp && !newUp:
			d.wait(old)
			if succ != 0 {
				d.wait(&gen{pid: succ}) // dead after the old parent: ours to reap
			}
			d.note("nothing left serving after a fault: restarted")
			return d.start()
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil, fmt.Errorf("old parent %d and successor %d both still there after 30 s", old.pid, succ)
}

// children lists the children of pid: the processes whose parent it is,
// by their /proc/PID/stat.
func children(pid int) []int {
	var pids []int
	for _, p := range lab.Procs() {
		if p.PPid == pid {
			pids = append(pids, p.Pid)
		}
	}
	return pids
}

// poolChildren lists the children of pid in serv13's pool role.
func poolChildren(pid int) []int {
	return slices.DeleteFunc(children(pid), func(c int) bool {
		env, err := lab.Env(c)
		return err != nil || env["UNP_CHILD"] != "child"
	})
}

// running reports whether pid is a live process, not a zombie.
func running(pid int) bool {
	p, err := lab.Stat(pid)
	return err == nil && p.State != 'Z'
}

// exists reports whether pid is still in the process table, zombie or not.
func exists(pid int) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return err == nil
}

// activated makes cmd a socket-activated start of its server, as systemd
// would: the listening socket, made once and held by this process, at
// descriptor 3, and LISTEN_FDS=1 with LISTEN_PID the server's own PID,
// which only the started process knows: sh sets it and execs the server.
func (d *driver) activated(cmd *exec.Cmd) (*exec.Cmd, error) {
	if d.lsock == nil {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return nil, err
		}
		n, _ := strconv.Atoi(port)
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		if err := unix.Bind(fd, &unix.SockaddrInet4{Port: n, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("bind 127.0.0.1:%s: %w", port, err)
		}
		if err := unix.Listen(fd, 4096); err != nil {
			unix.Close(fd)
			return nil, err
		}
		d.lsock = os.NewFile(uintptr(fd), "listener")
	}
	sh := exec.Command("sh", append([]string{"-c",
		`LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"`}, cmd.Args...)...)
	sh.Path, _ = exec.LookPath("sh")
	if cmd.Path != "" && !filepath.IsAbs(cmd.Args[0]) {
		sh.Args[3] = cmd.Path // $0: the server, as exec.Command found it
	}
	sh.ExtraFiles = []*os.File{d.lsock}
	return sh, nil
}

// A pidfd is a process's descriptor (pidfd_open(2)), which names that
// process and no other: signalled through it, a child that has exited
// since it was listed is not there to kill, and its PID, perhaps another
// process's by now, is not signalled.
type pidfd struct{ pid, fd int }

// pidfds opens a pidfd for each of pids still there.
func pidfds(pids []int) []pidfd {
	var fds []pidfd
	for _, pid := range pids {
		if fd, err := unix.PidfdOpen(pid, 0); err == nil && pid > 0 {
			fds = append(fds, pidfd{pid, fd})
		}
	}
	return fds
}

func closeAll(fds []pidfd) {
	for _, p := range fds {
		unix.Close(p.fd)
	}
}

// killOne sends SIGKILL to one of fds, at random, and returns its PID, or
// 0 if none was left to kill.
func killOne(fds []pidfd) int {
	for _, i := range rand.Perm(len(fds)) {
		if running(fds[i].pid) && unix.PidfdSendSignal(fds[i].fd, unix.SIGKILL, nil, 0) == nil {
			return fds[i].pid
		}
	}
	return 0
}
