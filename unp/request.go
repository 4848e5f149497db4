package unp

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// A RequestError describes a request that cannot be answered: a book's line
// that is not a byte count in 1..MAXN, or bad HTTP, which the server answers
// with Status before it closes the connection.
type RequestError struct {
	Line   string // the request line as received, cut to 40 bytes
	Reason string
	Status int // the HTTP status sent back; 0 for the book's line, which gets none
}

// Error says what was wrong with the request, quoting its line.
func (e *RequestError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("bad request %q: %s (%d)", e.Line, e.Reason, e.Status)
	}
	return fmt.Sprintf("bad request %q: %s", e.Line, e.Reason)
}

// ParseRequest parses one request line (newline removed): a decimal byte
// count N with 1 <= N <= MAXN. One trailing carriage return is allowed, so
// that a person can talk to a server with telnet or nc -C.
//
// Departure: the book's web_child (web_child.c) uses atol, which turns "abc" into 0,
// "12abc" into 12 and "-5" into a negative count, and then err_quits when the
// count is out of range. Here anything but digits is a RequestError.
func ParseRequest(line []byte) (int, error) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) == 0 {
		return 0, badRequest(line, "empty line", 0)
	}
	n := 0
	for _, c := range line {
		if c < '0' || c > '9' {
			return 0, badRequest(line, "not a decimal byte count", 0)
		}
		if n = n*10 + int(c-'0'); n > MAXN {
			return 0, badRequest(line, fmt.Sprintf("more than MAXN (%d) bytes", MAXN), 0)
		}
	}
	if n == 0 {
		return 0, badRequest(line, "zero bytes", 0)
	}
	return n, nil
}

func badRequest(line []byte, reason string, status int) error {
	if len(line) > 40 {
		line = line[:40]
	}
	return &RequestError{Line: string(line), Reason: reason, Status: status}
}

// MaxHead is the longest HTTP request head a server reads, its blank line
// included; a longer one is answered 431.
const MaxHead = 8192

var headTooLong = fmt.Sprintf("head longer than %d bytes", MaxHead)

// A Request is what a client asked for, in either protocol.
type Request struct {
	N         int  // bytes of reply asked for, 1..MAXN
	HTTP      bool // answer with a head: the request was HTTP
	HeadOnly  bool // HEAD: the head without the N bytes
	Close     bool // close the connection after the reply (HTTP/1.0, Connection: close)
	KeepAlive bool // HTTP/1.0 with Connection: keep-alive: the reply says it is kept
}

// connection is what a head's Connection fields said.
type connection struct{ close, keepAlive bool }

// errLineTooLong is how NextRequest words a book's line that does not fit
// in MAXLINE bytes, as Web_child always has: wrapped once, not per error.
var errLineTooLong = fmt.Errorf("reading request: %w", ErrLineTooLong)

// NextRequest parses the request at the start of buf, the bytes of a
// connection read so far and not yet used. It returns the request and how
// many bytes of buf it took; or 0 bytes and no error when buf holds only
// the beginning of a request (read more, and call again with more); or the
// error that ends the connection: a *RequestError, whose Status (if not 0)
// the server sends back first (see StatusReply), or ErrLineTooLong wrapped
// in "reading request: ", as Web_child has always worded it.
// It never reads or keeps buf beyond the call and allocates only for an
// error, so the event-driven servers feed it whatever they have buffered
// and the threads call it from Web_child.
//
// The first byte of each request tells the protocols apart: a book's
// request is digits, so a request beginning with a capital letter (an HTTP
// method) is HTTP, and anything else is the book's line, with the book's
// errors. A valid book request is answered exactly as before.
//
// HTTP is GET or HEAD of /N, HTTP/1.0 or HTTP/1.1. A request with a body
// (Content-Length other than 0, or Transfer-Encoding) is refused: its body
// would be read as the next request.
//
// Departure: the book's web_child (web_child.c) speaks only its line
// protocol.
func NextRequest(buf []byte) (req Request, n int, err error) {
	if len(buf) == 0 {
		return Request{}, 0, nil
	}
	if c := buf[0]; c < 'A' || c > 'Z' {
		i := bytes.IndexByte(buf[:min(len(buf), MAXLINE)], '\n')
		if i < 0 {
			if len(buf) >= MAXLINE {
				return Request{}, 0, errLineTooLong
			}
			return Request{}, 0, nil
		}
		if req.N, err = ParseRequest(buf[:i]); err != nil {
			return Request{}, 0, err
		}
		return req, i + 1, nil
	}
	return nextHTTP(buf)
}

// nextHTTP parses an HTTP request head at the start of buf. The request line
// is judged as soon as it is in, so that a bad one is answered at once; the
// header fields only once the blank line ending the head has come.
func nextHTTP(buf []byte) (req Request, n int, err error) {
	head := buf[:min(len(buf), MaxHead)]
	i := bytes.IndexByte(head, '\n')
	if i < 0 {
		if len(buf) >= MaxHead {
			return req, 0, badRequest(buf, headTooLong, 431)
		}
		return req, 0, nil
	}
	line := trimCR(head[:i])
	req, http10, err := parseRequestLine(line)
	if err != nil {
		return Request{}, 0, err
	}
	var conn connection
	for n = i + 1; ; { // the header fields, one a line, up to an empty one
		i := bytes.IndexByte(head[n:], '\n')
		if i < 0 {
			if len(buf) >= MaxHead {
				return Request{}, 0, badRequest(line, headTooLong, 431)
			}
			return Request{}, 0, nil
		}
		field := trimCR(head[n : n+i])
		n += i + 1
		if len(field) == 0 { // the end of the head
			req.Close = conn.close || http10 && !conn.keepAlive
			req.KeepAlive = http10 && !req.Close
			return req, n, nil
		}
		if err := conn.header(field); err != nil {
			return Request{}, 0, badRequest(line, err.Error(), 400)
		}
	}
}

// parseRequestLine parses "METHOD /N HTTP/1.x": exactly one space between
// the parts, as RFC 9112 has it. http10 says the version is 1.0, whose
// connection is closed after the reply unless its head asks to keep it.
func parseRequestLine(line []byte) (req Request, http10 bool, err error) {
	method, rest, ok1 := bytes.Cut(line, []byte(" "))
	target, version, ok2 := bytes.Cut(rest, []byte(" "))
	switch {
	case !ok1 || !ok2 || !token(method) || len(target) == 0:
		return req, false, badRequest(line, "malformed request line", 400)
	case string(version) == "HTTP/1.1":
	case string(version) == "HTTP/1.0":
		http10 = true
	default:
		return req, false, badRequest(line, "not HTTP/1.0 or HTTP/1.1", 400)
	}
	switch string(method) {
	case "GET":
	case "HEAD":
		req.HeadOnly = true
	default:
		return req, false, badRequest(line, "method not implemented", 501)
	}
	// ParseRequest allows a trailing \r, a path may not
	if target[0] != '/' || len(target) == 1 || target[len(target)-1] == '\r' {
		return req, false, badRequest(line, "path is not a byte count", 404)
	}
	if req.N, err = ParseRequest(target[1:]); err != nil {
		return req, false, badRequest(line, err.(*RequestError).Reason, 404)
	}
	req.HTTP = true
	return req, http10, nil
}

// header takes what matters of one header field: whether the connection is
// to be kept, and whether a body follows (which this server does not read).
func (conn *connection) header(field []byte) error {
	name, value, ok := bytes.Cut(field, []byte(":"))
	if !ok || !token(name) {
		return errors.New("malformed header field")
	}
	switch {
	case asciiEqualFold(name, "Connection"):
		for more := true; more; { // a list of options: "keep-alive, Upgrade"
			var opt []byte
			opt, value, more = bytes.Cut(value, []byte(","))
			switch opt = bytes.TrimSpace(opt); {
			case asciiEqualFold(opt, "close"):
				conn.close = true
			case asciiEqualFold(opt, "keep-alive"):
				conn.keepAlive = true
			}
		}
	case asciiEqualFold(name, "Content-Length"):
		if v := bytes.TrimSpace(value); len(bytes.TrimLeft(v, "0")) > 0 || len(v) == 0 {
			return errors.New("request with a body")
		}
	case asciiEqualFold(name, "Transfer-Encoding"):
		return errors.New("request with a body")
	}
	return nil
}

func trimCR(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		return line[:n-1]
	}
	return line
}

// token reports whether b is an RFC 9110 token: a method or a field name.
func token(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
