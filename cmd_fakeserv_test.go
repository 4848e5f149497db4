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
//	short   reads each request line "N", sends N/2 bytes and closes; over
//	        HTTP ("GET /N ..."), a head saying N bytes, then N/2 of them
//	notfound reads each HTTP request head and answers 404, keeping the
//	        connection
//	silent  reads each request line and never answers
//	full    listens with a backlog of 1 and never accepts: past the first
//	        connections its accept queue is full, and the kernel drops the
//	        SYNs, as it does in front of a pool that cannot keep up
func fakeserv(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: fakeserv refuse|reset|short|notfound|silent|full")
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
		r := bufio.NewReader(c)
		line, err := r.ReadString('\n')
		head := ""
		if path, ok := strings.CutPrefix(line, "GET /"); ok {
			line, _, _ = strings.Cut(path, " ")
			head = "HTTP/1.1 200 OK\r\nContent-Length: " + line + "\r\n\r\n"
			err = skipHead(r)
		}
		if n, err2 := strconv.Atoi(strings.TrimSpace(line)); err == nil && err2 == nil && n > 0 {
			c.Write(append([]byte(head), make([]byte, n/2)...))
		}
	},
	"notfound": func(c *net.TCPConn) {
		defer c.Close()
		r := bufio.NewReader(c)
		for {
			if _, err := r.ReadString('\n'); err != nil || skipHead(r) != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
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

// skipHead reads the rest of an HTTP request head, to its blank line.
func skipHead(r *bufio.Reader) error {
	for {
		line, err := r.ReadString('\n')
		if err != nil || strings.TrimSpace(line) == "" {
			return err
		}
	}
}
