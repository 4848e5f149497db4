package unpgo

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() { commands["fakeserv"] = fakeserv }

// fakeserv MODE starts a server that fails in one known way, on 127.0.0.1,
// for the rest of the scenario, and sets $FAKEHOST and $FAKEPORT, so that
// the client's errors by kind can be checked:
//
//	refuse  a socket bound to the port and not listening: every connect is
//	        refused (and the port stays ours, so nothing else can take it)
//	reset   reads each request line, then closes with SO_LINGER 0: a reset
//	short   reads each request line "N", sends N/2 bytes and closes
//	silent  reads each request line and never answers
//	full    listens with a backlog of 1 and never accepts: past the first
//	        connections its accept queue is full, and the kernel drops the
//	        SYNs, as it does in front of a pool that cannot keep up
func fakeserv(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: fakeserv refuse|reset|short|silent|full")
	}
	if args[0] == "refuse" || args[0] == "full" {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		ts.Check(err)
		ts.Check(syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
		if args[0] == "full" {
			ts.Check(syscall.Listen(fd, 1))
		}
		sa, err := syscall.Getsockname(fd)
		ts.Check(err)
		ts.Defer(func() { syscall.Close(fd) })
		setFake(ts, sa.(*syscall.SockaddrInet4).Port)
		return
	}
	serve, ok := fakeModes[args[0]]
	if !ok {
		ts.Fatalf("fakeserv: unknown mode %q", args[0])
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	var conns []net.Conn // held by silent, closed at the end
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed at the end of the scenario
			}
			conns = append(conns, c)
			go serve(c.(*net.TCPConn))
		}
	}()
	ts.Defer(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	setFake(ts, ln.Addr().(*net.TCPAddr).Port)
}

func setFake(ts *testscript.TestScript, port int) {
	ts.Setenv("FAKEHOST", "127.0.0.1")
	ts.Setenv("FAKEPORT", strconv.Itoa(port))
}

// fakeModes serve one connection each in their own wrong way.
var fakeModes = map[string]func(c *net.TCPConn){
	"reset": func(c *net.TCPConn) {
		if _, err := bufio.NewReader(c).ReadString('\n'); err == nil {
			c.SetLinger(0) // close sends RST
		}
		c.Close()
	},
	"short": func(c *net.TCPConn) {
		defer c.Close()
		line, err := bufio.NewReader(c).ReadString('\n')
		if n, err2 := strconv.Atoi(strings.TrimSpace(line)); err == nil && err2 == nil && n > 0 {
			c.Write(make([]byte, n/2))
		}
	},
	"silent": func(c *net.TCPConn) {
		var b [1]byte
		for {
			if _, err := c.Read(b[:]); err != nil && err != syscall.EINTR {
				return // the client gave up, or the scenario ended
			}
		}
	},
}
