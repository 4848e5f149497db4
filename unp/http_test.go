package unp

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// longHead is an HTTP head with a field longer than MaxHead.
var longHead = "GET /1 HTTP/1.1\r\nX: " + strings.Repeat("x", MaxHead) + "\r\n\r\n"

// nextRequestCases are NextRequest's table, which the raw child's parser
// (rawhttp.go) is held to as well.
var nextRequestCases = []struct {
	buf    string
	want   Request
	n      int    // bytes taken; 0 with no error: need more
	status int    // of the RequestError, -1 for none, 0 for the book's
	why    string // substring of the error
}{
	{"", Request{}, 0, -1, ""},
	{"40", Request{}, 0, -1, ""},
	{"4000\n", Request{N: 4000}, 5, -1, ""},
	{"4000\r\n5\n", Request{N: 4000}, 6, -1, ""},
	{"abc\n", Request{}, 0, 0, "not a decimal"},
	{strings.Repeat("1", MAXLINE), Request{}, 0, -1, "longer than"},
	{strings.Repeat("1", MAXLINE-1), Request{}, 0, -1, ""},
	{"GE", Request{}, 0, -1, ""},
	{"GET /4000 HTTP/1.1\r\n", Request{}, 0, -1, ""},
	{"GET /4000 HTTP/1.1\r\nHost: x\r\n", Request{}, 0, -1, ""},
	{"GET /4000 HTTP/1.1\r\n\r\n", Request{N: 4000, HTTP: true}, 22, -1, ""},
	{"GET /4000 HTTP/1.1\n\n1\n", Request{N: 4000, HTTP: true}, 20, -1, ""},
	{"GET /16384 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n", Request{N: MAXN, HTTP: true}, 45, -1, ""},
	{"GET /1 HTTP/1.0\r\n\r\n", Request{N: 1, HTTP: true, Close: true}, 19, -1, ""},
	{"GET /1 HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
		Request{N: 1, HTTP: true, KeepAlive: true}, 43, -1, ""},
	{"GET /1 HTTP/1.0\r\nConnection: close, keep-alive\r\n\r\n",
		Request{N: 1, HTTP: true, Close: true}, 50, -1, ""},
	{"GET /1 HTTP/1.1\r\nconnection: CLOSE\r\n\r\n", Request{N: 1, HTTP: true, Close: true}, 38, -1, ""},
	{"GET /1 HTTP/1.1\r\nConnection: keep-alive\r\n\r\n", Request{N: 1, HTTP: true}, 43, -1, ""},
	{"HEAD /7 HTTP/1.1\r\n\r\n", Request{N: 7, HTTP: true, HeadOnly: true}, 20, -1, ""},
	{"GET /1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n", Request{N: 1, HTTP: true}, 38, -1, ""},
	{"GET /1 HTTP/1.1\r\nContent-Length: 5\r\n\r\n", Request{}, 0, 400, "with a body"},
	{"GET /1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", Request{}, 0, 400, "with a body"},
	{"GET /1 HTTP/1.1\r\nno colon\r\n\r\n", Request{}, 0, 400, "malformed header"},
	{"GET /1 HTTP/1.1\r\n folded\r\n\r\n", Request{}, 0, 400, "malformed header"},
	{"GET /1\r\n", Request{}, 0, 400, "malformed request line"},
	{"GET  /1 HTTP/1.1\r\n", Request{}, 0, 400, "malformed request line"},
	{"GET /1 HTTP/1.1 \r\n", Request{}, 0, 400, "not HTTP/1.0"},
	{"GET /1 HTTP/2.0\r\n", Request{}, 0, 400, "not HTTP/1.0"},
	{"G(T /1 HTTP/1.1\r\n", Request{}, 0, 400, "malformed request line"},
	{"POST /1 HTTP/1.1\r\n", Request{}, 0, 501, "not implemented"},
	{"get /1 HTTP/1.1\r\n", Request{}, 0, 0, "not a decimal"}, // lower case: the book's
	{"GET / HTTP/1.1\r\n", Request{}, 0, 404, "not a byte count"},
	{"GET /0 HTTP/1.1\r\n", Request{}, 0, 404, "zero bytes"},
	{"GET /16385 HTTP/1.1\r\n", Request{}, 0, 404, "more than MAXN"},
	{"GET /12abc HTTP/1.1\r\n", Request{}, 0, 404, "not a decimal"},
	{"GET /5?x HTTP/1.1\r\n", Request{}, 0, 404, "not a decimal"},
	{"GET /5\r HTTP/1.1\r\n", Request{}, 0, 404, "not a byte count"},
	{"GET http://h/5 HTTP/1.1\r\n", Request{}, 0, 404, "not a byte count"},
	{"GET /" + strings.Repeat("1", MaxHead), Request{}, 0, 431, "head longer than 8192 bytes"},
	{longHead, Request{}, 0, 431, "head longer than 8192 bytes"},
	{longHead[:MaxHead-1], Request{}, 0, -1, ""},
}

func TestNextRequest(t *testing.T) {
	for _, tt := range nextRequestCases {
		req, n, err := NextRequest([]byte(tt.buf))
		name := fmt.Sprintf("NextRequest(%.60q)", tt.buf)
		if tt.why == "" {
			if err != nil || n != tt.n || req.N != tt.want.N || req.HTTP != tt.want.HTTP ||
				req.HeadOnly != tt.want.HeadOnly || req.Close != tt.want.Close ||
				req.KeepAlive != tt.want.KeepAlive {
				t.Errorf("%s = %+v, %d, %v; want %+v, %d", name, req, n, err, tt.want, tt.n)
			}
			continue
		}
		var rerr *RequestError
		switch {
		case err == nil || !strings.Contains(err.Error(), tt.why):
			t.Errorf("%s = %v; want an error saying %q", name, err, tt.why)
		case tt.status >= 0 && (!errors.As(err, &rerr) || rerr.Status != tt.status):
			t.Errorf("%s = %v; want a RequestError with status %d", name, err, tt.status)
		case tt.status < 0 && !errors.Is(err, ErrLineTooLong):
			t.Errorf("%s = %v; want ErrLineTooLong", name, err)
		case n != 0:
			t.Errorf("%s took %d bytes with an error", name, n)
		}
	}
}

func TestReplyHead(t *testing.T) {
	for _, tt := range []struct {
		req  Request
		head string
		body int
	}{
		{Request{N: 10}, "", 10},
		{Request{N: 4000, HTTP: true}, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n" +
			"Content-Length: 4000\r\n\r\n", 4000},
		{Request{N: 16384, HTTP: true, Close: true, HeadOnly: true}, "HTTP/1.1 200 OK\r\n" +
			"Content-Type: application/octet-stream\r\nContent-Length: 16384\r\nConnection: close\r\n\r\n", 0},
		{Request{N: 1, HTTP: true, KeepAlive: true}, "HTTP/1.1 200 OK\r\n" +
			"Content-Type: application/octet-stream\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\n", 1},
	} {
		var r Reply
		r.Start(tt.req)
		head, body := r.Parts()
		if string(head) != tt.head || len(body) != tt.body {
			t.Errorf("Reply for %+v: %q and %d bytes; want %q and %d", tt.req, head, len(body), tt.head, tt.body)
		}
		if tt.body == 0 {
			continue
		}
		r.Advance(len(head) + 1)
		if head, body := r.Parts(); len(head) != 0 || len(body) != tt.body-1 {
			t.Errorf("Reply for %+v after one body byte: %d and %d bytes left", tt.req, len(head), len(body))
		}
	}
}

func TestStatusReply(t *testing.T) {
	_, _, err := NextRequest([]byte("PUT /1 HTTP/1.1\r\n"))
	want := "HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	if got := string(StatusReply(err)); got != want {
		t.Errorf("StatusReply(%v) = %q, want %q", err, got, want)
	}
	if _, _, err := NextRequest([]byte("0\n")); StatusReply(err) != nil {
		t.Errorf("StatusReply(%v) = %q, want nil: the book's line gets no reply", err, StatusReply(err))
	}
	if got := err.Error(); got != `bad request "PUT /1 HTTP/1.1": method not implemented (501)` {
		t.Errorf("error reads %s", got)
	}
}

func ExampleNextRequest() {
	for _, buf := range []string{
		"4000\n",
		"GET /4000 HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"HEAD /10 HTTP/1.0\r\n\r\n",
		"GET /4000 HTTP/1.1\r\nHost: local",
		"GET /0 HTTP/1.1\r\n\r\n",
	} {
		req, n, err := NextRequest([]byte(buf))
		switch {
		case err != nil:
			fmt.Println(err)
		case n == 0:
			fmt.Println("need more")
		default:
			fmt.Printf("took %d bytes: N=%d HTTP=%v HeadOnly=%v Close=%v\n",
				n, req.N, req.HTTP, req.HeadOnly, req.Close)
		}
	}
	// Output:
	// took 5 bytes: N=4000 HTTP=false HeadOnly=false Close=false
	// took 39 bytes: N=4000 HTTP=true HeadOnly=false Close=false
	// took 21 bytes: N=10 HTTP=true HeadOnly=true Close=true
	// need more
	// bad request "GET /0 HTTP/1.1": zero bytes (404)
}
