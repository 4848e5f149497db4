package unp

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// LISTEN_PID naming another process (a parent that forgot to clear the
// variables) is not activation, and the variables are gone all the same.
func TestListenFdsOtherPid(t *testing.T) {
	t.Setenv("LISTEN_PID", strconv.Itoa(os.Getppid()))
	t.Setenv("LISTEN_FDS", "1")
	t.Setenv("LISTEN_FDNAMES", "web")
	fd, err := listenFds()
	if fd != -1 || err != nil {
		t.Fatalf("listenFds() = %d, %v; want -1, nil", fd, err)
	}
	for _, v := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
		if val, ok := os.LookupEnv(v); ok {
			t.Errorf("%s=%s still set", v, val)
		}
	}
}

// A bad count is an error, not a guess.
func TestListenFdsBadCount(t *testing.T) {
	t.Setenv("LISTEN_PID", strconv.Itoa(os.Getpid()))
	t.Setenv("LISTEN_FDS", "x")
	if fd, err := listenFds(); err == nil {
		t.Fatalf("listenFds() = %d, nil; want an error", fd)
	}
}

// Only a listening TCP socket passes for the activated one.
func TestIsTCPListener(t *testing.T) {
	ln, err := tcp_listen("127.0.0.1", "0")
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ln)
	bound, err := tcpSocket("127.0.0.1", "0", false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(bound)
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	defer unix.Close(p[1])
	udp, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(udp)
	for _, c := range []struct {
		name string
		fd   int
		ok   bool
	}{{"listener", ln, true}, {"bound, not listening", bound, false},
		{"pipe", p[0], false}, {"UDP socket", udp, false}} {
		if err := isTCPListener(c.fd); (err == nil) != c.ok {
			t.Errorf("%s: isTCPListener = %v", c.name, err)
		}
	}
}
