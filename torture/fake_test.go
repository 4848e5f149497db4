package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"unp-go.dev/unp"
)

// A torture that passes everything proves nothing, so these tests run it
// against servers with known faults and require it to name them. The fake
// servers are this test binary started again, as serv00-iterative would
// be (same command line, same readiness contract), under a symbolic link
// whose name "fake-MODE" says which fault to have.

func TestMain(m *testing.M) {
	if mode, ok := strings.CutPrefix(filepath.Base(os.Args[0]), "fake-"); ok {
		fakeServer(mode)
		return
	}
	os.Exit(m.Run())
}

func TestTortureFindsFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs fake servers for seconds")
	}
	for _, tt := range []struct {
		mode   string
		checks []string // failed checks torture must report
	}{
		// The book's serv00: no timeout, and err_quit on a bad request.
		{"book", []string{"stall: good client behind 2 idle clients", "stall: idle client", "exited: during load"}},
		// A careful server that loses a descriptor every 20 connections.
		{"leaky", []string{"descriptors: "}},
		// One whose idle timeout is a quarter of UNP_IDLE_TIMEOUT.
		{"early", []string{"stall: idle client: the server closed "}},
		// One whose accept loop logs and retries at once on EMFILE.
		{"spin", []string{"out of descriptors: "}},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			res := torture(testConfig(t, tt.mode), designs[0])
			if res.verdict() != "FAIL" {
				t.Fatalf("verdict %s, want FAIL; row %s", res.verdict(), res.row())
			}
			for _, check := range tt.checks {
				if !hasPrefix(res.failures, check) {
					t.Errorf("no failure %q among:\n%s", check, strings.Join(res.failures, "\n"))
				}
			}
		})
	}
}

func hasPrefix(failures []string, prefix string) bool {
	for _, f := range failures {
		if strings.HasPrefix(f, prefix) {
			return true
		}
	}
	return false
}

// testConfig is a short torture with a fake server as serv00.
func testConfig(t *testing.T, mode string) *config {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(t.TempDir(), "fake-"+mode)
	if err := os.Symlink(exe, fake); err != nil {
		t.Fatal(err)
	}
	return &config{
		bins: map[string]string{"serv00-iterative": fake}, skips: map[string]string{},
		pool: 2, idle: 200 * time.Millisecond, dur: 300 * time.Millisecond,
		good: 2, hostile: 2, overload: 5, crowd: 20, loops: 5, seed: 1, dir: t.TempDir(),
		stop: 300 * time.Millisecond, window: 500 * time.Millisecond, nproc: 40, flood: 10,
	}
}

// fakeServer is an iterative server with a fault, following the
// readiness and SIGINT contract of CONTRACT.md.
func fakeServer(mode string) {
	listenfd := unp.Tcp_listen("127.0.0.1", "0")
	unp.Signal(unp.Pr_cpu_time)
	unp.Ready(listenfd)
	ln, err := net.FileListener(os.NewFile(uintptr(listenfd), "listener"))
	if err != nil {
		unp.Err_sys(err, "listener")
	}
	signal.Ignore(syscall.SIGPIPE)
	for i := 0; ; i++ {
		c, err := ln.Accept()
		if err != nil {
			if mode == "spin" { // the loop every design had before unp.Backoff
				fmt.Fprintf(os.Stderr, "accept: %v\n", err)
			}
			continue
		}
		if mode == "leaky" && i%20 == 0 {
			syscall.Open(os.DevNull, syscall.O_RDONLY, 0) // and never closed
		}
		serveFake(mode, c)
		c.Close()
	}
}

func serveFake(mode string, c net.Conn) {
	r := bufio.NewReader(c)
	for {
		switch mode { // a deadline for the whole line
		case "early":
			c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		case "leaky", "spin":
			c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		}
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		var n int
		fmt.Sscanf(line, "%d", &n) // the book's atol: "12abc" is 12, "abc" is 0
		if n <= 0 || n > unp.MAXN {
			if mode == "book" {
				unp.Err_quit("client request for %d bytes", n) // the book's web_child
			}
			return
		}
		c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := c.Write(make([]byte, n)); err != nil {
			return
		}
	}
}
