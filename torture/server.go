package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"unp-go.dev/lab"
)

// A server is one running server under torture, in a process group of its
// own (lab.Start): whatever it forks, torture can find and kill. It gets
// SIGKILL if torture dies (PR_SET_PDEATHSIG), so not even a crashed
// torture leaves a server behind.
type server struct {
	*lab.Group
	name string
	addr string // HOST:PORT, from its UNP_ADDR_FILE
	dir  string // its address file, stdout and stderr
}

// startServer starts bin with args on 127.0.0.1 port 0 and waits until it
// has written its address file. idle is its UNP_IDLE_TIMEOUT. wrap, if
// any, is a command that execs bin with its arguments ("setpriv ...").
func startServer(bin, name string, args []string, idle time.Duration, dir string,
	wrap ...string) (*server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	addrFile := filepath.Join(dir, "addr")
	os.Remove(addrFile)
	argv := append(append(wrap, bin), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(environ(), "UNP_ADDR_FILE="+addrFile, "UNP_IDLE_TIMEOUT="+idle.String())
	g, err := lab.Start(cmd, filepath.Join(dir, "stdout"), filepath.Join(dir, "stderr"),
		syscall.SIGKILL)
	if err != nil {
		return nil, err
	}
	s := &server{Group: g, name: name, dir: dir}
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
// server that exits first has failed.
func (s *server) waitReady(addrFile string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		if b, err := os.ReadFile(addrFile); err == nil && strings.HasSuffix(string(b), "\n") {
			s.addr = strings.TrimSpace(string(b))
			return nil
		}
		select {
		case <-s.Exited():
			return fmt.Errorf("%s before it was ready: %.200s", s.Cmd.ProcessState,
				strings.TrimSpace(s.stderr()))
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

// kill ends the server's whole process group with SIGKILL and waits until
// no process of it is left (at most 5 s for the server, 5 s for the rest).
// It is safe to call twice.
func (s *server) kill() error { return s.Kill(5 * time.Second) }

// stopAll is torture's own Ctrl-C: no server starts after it (lab.StopAll),
// those running are killed, and dir is removed.
func stopAll(dir string) {
	lab.StopAll(5 * time.Second)
	os.RemoveAll(dir)
}
