package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// The successor finds its two inherited descriptors by these variables, as
// nginx's new master finds its listeners in NGINX and a tableflip child in
// its own variables.
const (
	listenEnv = "UNP_LISTEN_FD" // the listening socket
	readyEnv  = "UNP_READY_FD"  // the write end of the readiness pipe
)

// readyLimit is how long an old parent waits for its successor to say it
// is ready before it gives up on it, kills it and serves on.
const readyLimit = 5 * time.Second

// An upgrade is a successor on its way: started, not yet ready.
type upgrade struct {
	pid      int       // the new parent
	readyfd  int       // read end of the readiness pipe; -1 once it said EOF
	deadline time.Time // when it is late
}

// inherited returns the listening socket and the readiness pipe an old
// parent passed to this process, or -1, -1 if it was started the ordinary
// way. The variables are removed at once, so that no child, nor a later
// successor, takes them for its own; the descriptors are made close-on-exec,
// so that children get only what child_make passes. A descriptor that is not
// a listening socket is a start-up error: one line, exit 1, and the old
// parent serves on.
func inherited() (listenfd, readyfd int) {
	lf, rf := os.Getenv(listenEnv), os.Getenv(readyEnv)
	os.Unsetenv(listenEnv)
	os.Unsetenv(readyEnv)
	if lf == "" {
		return -1, -1
	}
	listenfd, err1 := strconv.Atoi(lf)
	readyfd, err2 := strconv.Atoi(rf)
	if err1 != nil || err2 != nil {
		unp.Err_quit("%s=%q, %s=%q: not descriptor numbers", listenEnv, lf, readyEnv, rf)
	}
	if on, err := unix.GetsockoptInt(listenfd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil ||
		on != 1 {
		unp.Err_quit("%s=%d: not a listening socket", listenEnv, listenfd)
	}
	unix.CloseOnExec(listenfd)
	unix.CloseOnExec(readyfd)
	return listenfd, readyfd
}

// tellReady is the successor's last step of start-up, after Ready: one byte
// down the readiness pipe, which the old parent is waiting for.
func tellReady(readyfd int) {
	if _, err := unix.Write(readyfd, []byte{'R'}); err != nil {
		unp.Err_msg("telling the old parent I am ready: %v", err) // it gave up on us
	}
	unix.Close(readyfd)
}

// startUpgrade starts the successor: this program's executable as it is on
// disk now, with the same arguments, the listening socket as descriptor 3
// and the write end of a readiness pipe as 4.
//
// The path is os.Executable's, which is /proc/self/exe read again: after a
// rebuild has renamed a new binary over the old one, the link names the
// path, marked " (deleted)", and os.Executable strips the mark, so the
// new file is what runs. Opening /proc/self/exe itself would run the old
// binary again, which is what a restart, not an upgrade, wants.
//
// The successor gets a session of its own (setsid) and no parent-death
// signal: it must outlive this process, and Ctrl-C in the terminal that
// started this one must not reach it. Until it is ready, it is this
// process's to kill; afterwards, its own.
func startUpgrade() (*upgrade, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the executable: %w", err)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, fmt.Errorf("readiness pipe: %w", err)
	}
	env := append(os.Environ(), listenEnv+"=3", readyEnv+"=4")
	attr := &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{0, 1, 2, uintptr(listenfd), uintptr(p[1])},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	}
	pid, err := syscall.ForkExec(exe, os.Args, attr)
	unix.Close(p[1]) // the successor's now: EOF here if it dies
	if err != nil {
		unix.Close(p[0])
		return nil, fmt.Errorf("starting %s: %w", exe, err)
	}
	return &upgrade{pid: pid, readyfd: p[0], deadline: time.Now().Add(readyLimit)}, nil
}

// ready reads the readiness pipe, readable now: true if the successor said
// it is ready, false at EOF, when it has closed the pipe without a word,
// which it does only by dying.
func (u *upgrade) ready() bool {
	var b [1]byte
	n, _ := unp.Read(u.readyfd, b[:])
	unix.Close(u.readyfd)
	u.readyfd = -1
	return n == 1
}

// died reports whether the successor has already exited, as one that
// said it was ready and then crashed has: then it is reaped, and said so
// (failed), and the old parent must not retire. It may still die a moment
// later, while the old one retires; nothing then serves until a restart.
func (u *upgrade) died() bool {
	var ws unix.WaitStatus
	pid, err := unix.Wait4(u.pid, &ws, unix.WNOHANG, nil)
	if err != nil || pid != u.pid || !(ws.Exited() || ws.Signaled()) {
		return false
	}
	u.failed(ws, "just after it said it was ready")
	return true
}

// abandon kills a successor that is late, or unready when this parent
// ends, reaps it, and says so, ending the line with then. It was started
// with no parent-death signal, but its own children have one, so they die
// with it.
func (u *upgrade) abandon(why, then string) {
	unix.Kill(u.pid, unix.SIGKILL)
	reapWithin(u.pid, reapLimit)
	if u.readyfd >= 0 {
		unix.Close(u.readyfd)
	}
	unp.Err_msg("upgrade failed: new parent (pid %d) %s; killed it, %s", u.pid, why, then)
}

// failed says that the successor died, how, and when.
func (u *upgrade) failed(ws unix.WaitStatus, when string) {
	how := fmt.Sprintf("exited with status %d", ws.ExitStatus())
	if ws.Signaled() {
		how = "was killed by " + unix.SignalName(ws.Signal())
	}
	if u.readyfd >= 0 {
		unix.Close(u.readyfd)
	}
	unp.Err_msg("upgrade failed: new parent (pid %d) %s %s; serving on", u.pid, how, when)
}

// writePidfile names this process in the PID file (-pidfile), replacing
// the file in one rename, so that it names the old parent or the new,
// never neither nor half of one: the first parent at start-up, a successor
// once it is ready (before it tells the old parent), and an old parent
// that takes the server back.
func writePidfile() {
	if pidfile == "" {
		return
	}
	if err := unp.ReplaceFile(pidfile, fmt.Sprintf("%d\n", os.Getpid())); err != nil {
		unp.Err_msg("writing the PID file %s: %v", pidfile, err)
	}
}

// removePidfile removes the PID file at shutdown, if it names this process.
func removePidfile() {
	if b, err := os.ReadFile(pidfile); err == nil &&
		strings.TrimSpace(string(b)) == strconv.Itoa(os.Getpid()) {
		os.Remove(pidfile)
	}
}

// monotonicUsec is the MONOTONIC_USEC= field that systemd (253 and
// later) wants beside RELOADING=1: when the reload began, by
// CLOCK_MONOTONIC, in microseconds.
func monotonicUsec() string {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return fmt.Sprintf("MONOTONIC_USEC=%d", ts.Nano()/1000)
}
