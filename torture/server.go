package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// A server is one running server under torture, in a process group of its
// own: whatever it forks, torture can find (pgrp) and kill (kill -PGID).
type server struct {
	name     string
	pid      int
	addr     string // HOST:PORT, from its UNP_ADDR_FILE
	dir      string // its address file, stdout and stderr
	exited   chan struct{}
	state    *os.ProcessState // valid once exited is closed
	exitedAt time.Time
}

// errSkip marks a server that is not there to torture: no binary, or the
// placeholder that says "not written yet".
type errSkip struct{ reason string }

func (e *errSkip) Error() string { return e.reason }

// live holds every server torture has started and not yet seen gone, for
// the clean-up on failure, timeout or Ctrl-C.
var live sync.Map // pid → *server

// stopping is set on Ctrl-C: no server starts after it, and no result is
// printed, since failures are then torture's doing.
var stopping atomic.Bool

// startServer starts bin with args on 127.0.0.1 port 0 and waits until it
// has written its address file. idle is its UNP_IDLE_TIMEOUT.
func startServer(bin, name string, args []string, idle time.Duration, dir string) (*server, error) {
	if bin == "" {
		return nil, &errSkip{"no binary"}
	}
	if stopping.Load() {
		return nil, errors.New("interrupted")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	s := &server{name: name, dir: dir, exited: make(chan struct{})}
	addrFile := filepath.Join(dir, "addr")
	os.Remove(addrFile)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(environ(), "UNP_ADDR_FILE="+addrFile, "UNP_IDLE_TIMEOUT="+idle.String())
	var err error
	if cmd.Stdout, err = os.Create(filepath.Join(dir, "stdout")); err != nil {
		return nil, err
	}
	if cmd.Stderr, err = os.Create(filepath.Join(dir, "stderr")); err != nil {
		return nil, err
	}
	// Files, not pipes: Wait then returns when the server exits, not when
	// the last child holding its stdout does.
	defer cmd.Stdout.(*os.File).Close()
	defer cmd.Stderr.(*os.File).Close()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := startOnLockedThread(cmd); err != nil {
		return nil, err
	}
	s.pid = cmd.Process.Pid
	live.Store(s.pid, s)
	go func() {
		cmd.Wait()
		s.state, s.exitedAt = cmd.ProcessState, time.Now()
		close(s.exited)
	}()
	if err := s.waitReady(addrFile, 10*time.Second); err != nil {
		s.kill()
		return nil, err
	}
	return s, nil
}

// environ is torture's environment without the variables that tell a
// server what to be.
func environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "UNP_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady waits for the address file, never by sleeping a fixed time. A
// server that exits first is a placeholder (skipped) or a failure.
func (s *server) waitReady(addrFile string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		if b, err := os.ReadFile(addrFile); err == nil && strings.HasSuffix(string(b), "\n") {
			s.addr = strings.TrimSpace(string(b))
			return nil
		}
		select {
		case <-s.exited:
			msg := strings.TrimSpace(s.stderr())
			if strings.Contains(msg, "not written yet") {
				return &errSkip{msg}
			}
			return fmt.Errorf("%s before it was ready: %.200s", s.state, msg)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no address in UNP_ADDR_FILE after %v", limit)
		}
	}
}

// said returns the last line the server wrote on stderr about c after
// offset mark: servers name the peer of a connection they give up on.
func (s *server) said(c net.Conn, mark int64) string {
	if c == nil {
		return ""
	}
	peer := c.LocalAddr().String() + ": "
	text := s.stderr()
	if int(mark) > len(text) {
		return ""
	}
	text = text[mark:]
	i := strings.LastIndex(text, peer)
	if i < 0 {
		return ""
	}
	line, _, _ := strings.Cut(text[i+len(peer):], "\n")
	return line
}

// stderrSize is how much the server has written on stderr so far.
func (s *server) stderrSize() int64 {
	fi, err := os.Stat(filepath.Join(s.dir, "stderr"))
	if err != nil {
		return 0
	}
	return fi.Size()
}

func (s *server) stdout() string { return readFile(filepath.Join(s.dir, "stdout")) }
func (s *server) stderr() string { return readFile(filepath.Join(s.dir, "stderr")) }

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// running reports whether the server process has not exited.
func (s *server) running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// kill ends the server's whole process group with SIGKILL and waits until
// no process of it is left (at most 5 s). It is safe to call twice.
func (s *server) kill() error {
	syscall.Kill(-s.pid, syscall.SIGKILL)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		return errors.New("still running 5 s after SIGKILL")
	}
	defer live.Delete(s.pid)
	return waitGone(s.pid, 5*time.Second)
}

// waitGone waits until process group pgid has no live process.
func waitGone(pgid int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		left := groupMembers(pgid)
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v still running", left)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// killAll kills every server still running: torture's clean-up on exit.
func killAll() {
	live.Range(func(_, v any) bool {
		v.(*server).kill()
		return true
	})
}

// The servers get SIGKILL if torture dies (PR_SET_PDEATHSIG), so not even
// a crashed torture leaves a server behind. The kernel ties that signal to
// the thread that forked, and the Go runtime ends threads as it likes, so
// every server is started from one goroutine locked to its thread for the
// life of the process (the trap DESIGN.md describes for unp.Fork).
var starts = make(chan func())

func init() {
	go func() {
		runtime.LockOSThread() // never unlocked
		for f := range starts {
			f()
		}
	}()
}

func startOnLockedThread(cmd *exec.Cmd) error {
	done := make(chan error)
	starts <- func() {
		if stopping.Load() {
			done <- errors.New("interrupted")
			return
		}
		done <- cmd.Start()
	}
	return <-done
}

// stopAll is torture's own Ctrl-C: stop starting servers (on the starter
// thread, so that none is starting meanwhile), kill those running, remove
// dir.
func stopAll(dir string) {
	done := make(chan bool)
	starts <- func() {
		stopping.Store(true)
		done <- true
	}
	<-done
	killAll()
	os.RemoveAll(dir)
}
