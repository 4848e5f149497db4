package unp

import (
	"errors"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

func TestWebChild(t *testing.T) {
	a, b := socketpair(t)
	feed(t, a, "100\n200\n", "16384\n1\n")
	if err := Web_child(b); err != nil {
		t.Fatal(err)
	}
	unix.Shutdown(b, unix.SHUT_WR)
	reply := make([]byte, 2*MAXN)
	if n, _ := Readn(a, reply); n != 100+200+16384+1 {
		t.Fatalf("reply is %d bytes, want %d", n, 100+200+16384+1)
	}
}

func TestWebChildBadRequest(t *testing.T) {
	a, b := socketpair(t)
	feed(t, a, "10\nabc\n20\n")
	err := Web_child(b)
	var rerr *RequestError
	if !errors.As(err, &rerr) || rerr.Line != "abc" {
		t.Fatalf("Web_child = %v, want a RequestError for \"abc\"", err)
	}
	unix.Shutdown(b, unix.SHUT_WR)
	if n, _ := Readn(a, make([]byte, 100)); n != 10 {
		t.Fatalf("answered %d bytes before the bad request, want 10", n)
	}
}

// TestWebChildNoAllocs pins down the hot path: once warm, serving a
// connection with several requests allocates nothing.
func TestWebChildNoAllocs(t *testing.T) {
	const requests = "4000\n4000\n4000\n"
	allocs := testing.AllocsPerRun(50, func() {
		a, b, err := socketpairRaw()
		if err != nil {
			t.Fatal(err)
		}
		Writen(a, []byte(requests))
		unix.Shutdown(a, unix.SHUT_WR)
		if err := Web_child(b); err != nil {
			t.Fatal(err)
		}
		unix.Close(a)
		unix.Close(b)
	})
	if allocs != 0 {
		t.Errorf("Web_child allocates %v times per connection, want 0", allocs)
	}
}

// socketpairRaw is socketpair(2) without unix.Socketpair's allocation, so
// that AllocsPerRun counts Web_child's alone.
func socketpairRaw() (int, int, error) {
	var fds [2]int32
	_, _, e := unix.RawSyscall6(unix.SYS_SOCKETPAIR, unix.AF_UNIX,
		unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0, uintptr(unsafe.Pointer(&fds)), 0, 0)
	if e != 0 {
		return -1, -1, e
	}
	// room for the 12000-byte reply, so Web_child never blocks
	err := unix.SetsockoptInt(int(fds[1]), unix.SOL_SOCKET, unix.SO_SNDBUF, 1<<20)
	return int(fds[0]), int(fds[1]), err
}

func TestRequestErrorText(t *testing.T) {
	a, b := socketpair(t)
	feed(t, a, strings.Repeat("9", 10)+"\n")
	if err := Web_child(b); err == nil || !strings.Contains(err.Error(), "more than MAXN") {
		t.Fatalf("Web_child = %v", err)
	}
}

// replyOf runs Web_child on requests (then EOF) and returns what it wrote
// and its error.
func replyOf(t *testing.T, requests ...string) (string, error) {
	t.Helper()
	a, b := socketpair(t)
	feed(t, a, requests...)
	err := Web_child(b)
	unix.Shutdown(b, unix.SHUT_WR)
	reply := make([]byte, 4*MAXN)
	n, _ := Readn(a, reply)
	return string(reply[:n]), err
}

func TestWebChildHTTP(t *testing.T) {
	const head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
	zeros := strings.Repeat("\x00", 100)
	for _, tt := range []struct {
		requests []string
		reply    string
		why      string // substring of Web_child's error
	}{
		{[]string{"GET /100 HTTP/1.1\r\nHost: x\r\n\r\nGET /1 HTTP/1.1\r\n", "\r\n"},
			head + "100\r\n\r\n" + zeros + head + "1\r\n\r\n\x00", ""},
		{[]string{"GET /100 HTTP/1.0\r\n\r\nGET /1 HTTP/1.1\r\n\r\n"},
			head + "100\r\nConnection: close\r\n\r\n" + zeros, ""},
		{[]string{"HEAD /100 HTTP/1.1\r\n\r\n", "100\n"}, head + "100\r\n\r\n" + zeros, ""},
		{[]string{"GET /1 HTTP/1.1\r\nConnection: close\r\n\r\n10\n"},
			head + "1\r\nConnection: close\r\n\r\n\x00", ""},
		{[]string{"1\nGET /0 HTTP/1.1\r\n\r\n"},
			"\x00HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "zero bytes (404)"},
		{[]string{"DELETE /1 HTTP/1.1\r\n\r\n"},
			"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", "(501)"},
		{[]string{"GET /1 HTTP/1.1\r\n"}, "", "connection closed in mid-line"},
	} {
		reply, err := replyOf(t, tt.requests...)
		if reply != tt.reply {
			t.Errorf("%q: reply %.200q, want %.200q", tt.requests, reply, tt.reply)
		}
		if tt.why == "" && err != nil || tt.why != "" && (err == nil || !strings.Contains(err.Error(), tt.why)) {
			t.Errorf("%q: Web_child = %v, want an error saying %q", tt.requests, err, tt.why)
		}
	}
}

// TestWebChildHTTPNoAllocs is TestWebChildNoAllocs over HTTP keep-alive.
func TestWebChildHTTPNoAllocs(t *testing.T) {
	const requests = "GET /4000 HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n" +
		"HEAD /4000 HTTP/1.1\r\n\r\nGET /4000 HTTP/1.0\r\n\r\n"
	allocs := testing.AllocsPerRun(50, func() {
		a, b, err := socketpairRaw()
		if err != nil {
			t.Fatal(err)
		}
		Writen(a, []byte(requests))
		unix.Shutdown(a, unix.SHUT_WR)
		if err := Web_child(b); err != nil {
			t.Fatal(err)
		}
		unix.Close(a)
		unix.Close(b)
	})
	if allocs != 0 {
		t.Errorf("Web_child allocates %v times per HTTP connection, want 0", allocs)
	}
}
