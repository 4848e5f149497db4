// See UNPv1 3e, section 30.6, Figures 30.9-30.11 (server/serv02.c), and
// section 15.7 (descriptor passing), which the book applies to connected
// sockets only.

// Serv13-upgrade is serv02-prefork with one change: it can be replaced by
// a new version of itself without refusing or dropping a client. On SIGUSR2
// the parent starts its executable again, as it is on disk now, passing it
// the listening socket; when the new parent says it is ready, the old one
// retires its children, each after the connection it is serving, prints its
// report and exits. The listening socket, and the queue of connections in
// it, is never closed: the kernel holds it while the two generations share
// it, and hands each new connection to whichever child, old or new, is
// asleep in accept.
//
// The switch, step by step:
//
//  1. SIGUSR2. The old parent makes a readiness pipe and starts
//     os.Executable with its own arguments, the listening socket as
//     descriptor 3, the pipe's write end as 4, and their numbers in
//     UNP_LISTEN_FD and UNP_READY_FD, in a session of its own (setsid) and
//     without a parent-death signal: it must outlive the old parent.
//  2. The new parent preforks its children on the inherited socket,
//     announces itself as every server does, and writes one byte down the
//     pipe. From its first child on, both generations accept from one queue.
//  3. The old parent sends each child SIGTERM: a child asleep in accept
//     leaves it without taking a connection (child.go tells how), a child
//     serving finishes first. It reaps them, prints "child I, N
//     connections" for its slots and the CPU line, and exits 0.
//
// Cost. Serv02's, and during an upgrade two pools at once until the old
// one has drained; a failed upgrade costs the connections its children had
// taken.
//
// A successor can die at any step. Before it is ready (it fails, or is not
// ready within five seconds), the old parent kills it if need be, reaps
// it, says so in one line and serves on. While the old parent retires, the
// successor is still its child: if it dies then, the old parent stops
// retiring, fills its slots again and serves on (it keeps its copy of the
// socket until it exits for this). Once the old parent has gone, nothing
// in the program is left to take over: the supervisor restarts the
// service, and with socket activation the socket, which is the manager's,
// keeps the clients queued meanwhile; without it, they are refused.
//
// Under a service manager (systemd, Type=notify, NotifyAccess=all), it
// says READY=1 when it serves, RELOADING=1 on SIGUSR2, the successor
// MAINPID= itself with READY=1 when it is ready, before the old parent
// exits, and STOPPING=1 on shutdown (unp.Notify). -pidfile PATH names the
// serving parent in PATH, replaced in one rename at the handover, so that
// it names a live parent throughout. beyond/README.md has the unit, and
// how nginx, tableflip, systemd and Envoy do the same.
//
// Departure: serv02-prefork's -select is gone (one change at a time), and a child
// reads SIGTERM as "finish and exit", where serv02's child dies of it.
//
// Usage:
//
//	serv13-upgrade [ -pidfile <path> ] [ <host> ] <port#> <#children>
//
// Each child prints "child PID starting". kill -USR2 PARENT upgrades.
// Ctrl-C (SIGINT) or SIGTERM terminates and reaps every child, prints
// "child I, N connections" for each slot, then "user time = U, sys time =
// S", and exits; a parent that retires after an upgrade prints
// "new parent PID ready; retiring" first, then the same report.
package main

import (
	"fmt"
	"os"
	"slices"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

const usage = "serv13-upgrade [ -pidfile <path> ] [ <host> ] <port#> <#children>"

var (
	listenfd int
	pidfile  string        // -pidfile: where this generation's parent names itself
	retired  map[int]bool  // children told to retire, still there after a take-back
	meter    *unp.Meter    // per-child connection counts, in shared memory
	pids     *unp.Children // the book's pids array
)

func main() {
	if _, args, ok := unp.Child(); ok {
		child_main(args) // never returns
	}
	args := os.Args[1:]
	if len(args) > 1 && args[0] == "-pidfile" {
		pidfile, args = args[1], args[2:]
	}
	host, serv, nchildren := unp.PoolArgs(args, usage)
	var readyfd int
	listenfd, readyfd = inherited() // from an old parent: step 2
	if listenfd < 0 {
		listenfd = unp.Tcp_listen(host, serv)
	}

	meter = unp.NewMeter(nchildren)
	sigfd := unp.SignalPipe(syscall.SIGUSR2) // before the first fork: no SIGCHLD is missed
	pids = unp.Prefork(nchildren, child_make)
	writePidfile()
	if readyfd < 0 {
		unp.Ready(listenfd)
	} else {
		// the manager takes this process for the server, and the
		// reload for done, in the moment it is ready (unp.Notify)
		unp.Ready(listenfd, fmt.Sprintf("MAINPID=%d", os.Getpid()))
		tellReady(readyfd)
	}

	parent(sigfd) // everything else done by children
}

// parent is serv02's Pause with the upgrade added: it waits on the signal
// pipe and, while a successor is on its way, on its readiness pipe and its
// deadline. SIGCHLD reaps and replaces children (and notes a successor that
// died); SIGUSR2 starts an upgrade; SIGINT or SIGTERM ends the server.
func parent(sigfd int) {
	var up *upgrade         // the successor on its way, if any
	var retry time.Duration // until an empty slot is tried again; 0: none is empty
	for {
		wait := retry
		if up != nil {
			wait = minPositive(wait, max(time.Until(up.deadline), time.Millisecond))
		}
		rset := waitFor(sigfd, up, wait)
		if up != nil && time.Now().After(up.deadline) {
			up.abandon(fmt.Sprintf("was not ready within %v", readyLimit), "serving on")
			up = nil
			servingOn()
		}
		retry = pids.Fill() // a slot whose pause is over
		if up != nil && up.readyfd >= 0 && rset.IsSet(up.readyfd) {
			if up.ready() {
				if !up.died() {
					retire(sigfd, up.pid) // step 3; returns only if the successor died
				}
				up = nil
				serveAgain()
			} // else EOF: it is dying, and SIGCHLD will say how
		}
		if !rset.IsSet(sigfd) {
			continue
		}
		switch unp.ReadSignal(sigfd) {
		case syscall.SIGCHLD:
			unp.Reap(func(pid int, ws unix.WaitStatus) {
				if up != nil && pid == up.pid {
					if ws.Exited() || ws.Signaled() {
						up.failed(ws, "before it was ready")
						up = nil
						servingOn()
					}
					return
				}
				if retired[pid] && (ws.Exited() || ws.Signaled()) {
					delete(retired, pid) // told to retire before a take-back: no news
					pids.Pids[slices.Index(pids.Pids, pid)] = 0
					return
				}
				pids.Reaped(pid, ws)
			})
			retry = pids.Fill()
		case syscall.SIGUSR2:
			if up != nil {
				unp.Err_msg("upgrade already under way (new parent pid %d): SIGUSR2 ignored",
					up.pid)
				break
			}
			var err error
			unp.Notify("RELOADING=1", monotonicUsec())
			if up, err = startUpgrade(); err != nil { // step 1
				unp.Err_msg("upgrade failed: %v; serving on", err)
				servingOn()
			}
		case syscall.SIGINT, syscall.SIGTERM:
			unp.Notify("STOPPING=1")
			if up != nil {
				up.abandon("was not ready yet", "shutting down") // it must not outlive us unready
			}
			removePidfile()
			sig_int()
			os.Exit(0)
		}
	}
}

// waitFor waits until the signal pipe or the successor's readiness pipe is
// readable, or wait has passed (0: no limit), and returns the ready set.
func waitFor(sigfd int, up *upgrade, wait time.Duration) *unix.FdSet {
	var rset unix.FdSet
	rset.Set(sigfd)
	nfds := sigfd + 1
	if up != nil && up.readyfd >= 0 {
		rset.Set(up.readyfd)
		nfds = max(nfds, up.readyfd+1)
	}
	var tv *unix.Timeval
	if wait > 0 {
		t := unix.NsecToTimeval(wait.Nanoseconds())
		tv = &t
	}
	if unp.Select(nfds, &rset, tv) == 0 {
		rset.Zero()
	}
	return &rset
}

// retire is step 3: the successor is serving, so this parent tells every
// child to finish (retireSignal), reaps them, prints its report and exits
// 0. A child still serving after drainLimit, or when SIGINT or SIGTERM
// comes, is killed. It waits for its own children by PID, never for any
// child: the successor is one, and lives on.
//
// Until this parent exits, it is the one process that can put the server
// back if the successor dies (its own children die with it): so it keeps
// its copy of the listening socket, watches the successor, and if it dies
// stops retiring and returns, for parent to fill the slots again and serve.
func retire(sigfd, successor int) {
	fmt.Printf("new parent %d ready; retiring\n", successor)
	live := map[int]bool{}
	for _, pid := range pids.Pids {
		if pid > 0 && unix.Kill(pid, retireSignal) == nil {
			live[pid] = true
		}
	}
	deadline := time.Now().Add(drainLimit())
	for {
		if how, dead := ended(successor); dead {
			unp.Err_msg("new parent (pid %d) %s while this one retired; serving on", successor, how)
			retired = live // they finish and exit; parent replaces them without a word
			return
		}
		for pid := range live {
			if gone(pid, unix.WNOHANG) {
				delete(live, pid)
				pids.Pids[slices.Index(pids.Pids, pid)] = 0 // for Fill, if the successor dies
			}
		}
		if len(live) == 0 {
			break
		}
		if left := time.Until(deadline); left > 0 {
			if !unp.Readable(sigfd, left) {
				continue // a look at the children, and the deadline has passed
			}
			switch unp.ReadSignal(sigfd) {
			case syscall.SIGUSR2:
				unp.Err_msg("retiring: SIGUSR2 ignored; the new parent is pid %d", successor)
				continue
			case syscall.SIGCHLD:
				continue
			}
		}
		// drainLimit passed, or SIGINT or SIGTERM: no more waiting
		unp.Err_msg("retiring: %d children still serving; killing them", len(live))
		for pid := range live {
			unix.Kill(pid, unix.SIGKILL)
			reapWithin(pid, reapLimit)
		}
		break
	}
	meter.Print()
	unp.Pr_cpu_time()
	os.Exit(0)
}

// serveAgain is the old parent taking the server back after its successor
// died while it retired: its slots are filled again (children it told to
// retire are replaced as they exit), and it says it serves (servingOn).
func serveAgain() {
	pids.Fill()
	servingOn()
}

// servingOn ends a failed upgrade: this parent names itself again in the
// PID file and to the service manager, with MAINPID= and READY=1, which
// also ends the manager's reload. A successor killed late may have named
// itself in both already.
func servingOn() {
	writePidfile()
	unp.Notify(fmt.Sprintf("MAINPID=%d", os.Getpid()), "READY=1")
}

// ended reports whether child pid has ended, reaping it, and how.
func ended(pid int) (string, bool) {
	var ws unix.WaitStatus
	got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	for err == unix.EINTR {
		got, err = unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	}
	switch {
	case err != nil: // ECHILD: reaped already, by an earlier look
		return "died", true
	case got != pid || !(ws.Exited() || ws.Signaled()):
		return "", false
	case ws.Signaled():
		return "was killed by " + unix.SignalName(ws.Signal()), true
	}
	return fmt.Sprintf("exited with status %d", ws.ExitStatus()), true
}

// reapWithin waits, at most limit, until child pid has ended and is
// reaped, and says so in one line if it is not: a process killed with
// SIGKILL is gone within milliseconds unless a debugger holds it, and the
// shutdown does not wait on the debugger (see unp.TerminateAll).
func reapWithin(pid int, limit time.Duration) {
	for deadline := time.Now().Add(limit); !gone(pid, unix.WNOHANG); {
		if time.Now().After(deadline) {
			unp.Err_msg("pid %d not reaped after %v; going on without it", pid, limit)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// reapLimit is how long a killed child is waited for.
const reapLimit = 2 * time.Second

// gone reaps child pid if it has ended (or waits until it has, with
// options 0) and reports whether it has.
func gone(pid, options int) bool {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(pid, &ws, options, nil)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil: // ECHILD: already reaped
			return true
		}
		return got == pid && (ws.Exited() || ws.Signaled())
	}
}

// drainLimit is how long a retiring parent waits for its children to
// finish their connections: three idle timeouts. The idle timeout ends a
// client that says nothing; one that keeps asking would keep an old child
// for ever.
func drainLimit() time.Duration {
	idle, _ := unp.IdleTimeout()
	return 3 * idle
}

// minPositive is the smaller of two durations, 0 standing for none.
func minPositive(a, b time.Duration) time.Duration {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

// sig_int terminates all children, waits for them, prints how many
// connections each slot served and the CPU time of parent and children.
func sig_int() {
	pids.Terminate()
	meter.Print()
	unp.Pr_cpu_time()
}
