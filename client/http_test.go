package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestReplyHead(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 10\r\n\r\n"
	for _, tt := range []struct {
		b     string
		total int
		why   string
	}{
		{ok, len(ok) + 10, ""},
		{ok + "0123456789", len(ok) + 10, ""},
		{"HTTP/1.0 200 OK\r\ncontent-length:10\r\n\r\n", 38 + 10, ""},
		{"HTTP/1.1 200\r\nContent-Length: 10\r\n\r\n", 36 + 10, ""},
		{ok[:len(ok)-1], 0, ""},
		{"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 0, `"HTTP/1.1 404 Not Found"`},
		{"HTTP/1.1 2000 OK\r\nContent-Length: 10\r\n\r\n", 0, `"HTTP/1.1 2000 OK"`},
		{"10\r\n\r\n", 0, `HTTP reply "10"`},
		{"HTTP/1.1 200 OK\r\n\r\n", 0, "without Content-Length"},
		{"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", 0, "Content-Length 9, want 10"},
		{"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 0, `Content-Length " x"`},
		{"HTTP/1.1 200 OK\r\nX: " + strings.Repeat("x", maxReplyHead), 0, "longer than"},
	} {
		total, err := replyHead([]byte(tt.b), 10)
		if tt.why == "" && (err != nil || total != tt.total) ||
			tt.why != "" && (err == nil || !strings.Contains(err.Error(), tt.why)) {
			t.Errorf("replyHead(%.50q) = %d, %v; want %d, error saying %q", tt.b, total, err, tt.total, tt.why)
		}
	}
}

// TestReadHTTP reads replies that come in pieces: the head split, the
// body short, a reply longer than it says.
func TestReadHTTP(t *testing.T) {
	const head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
	for _, tt := range []struct {
		pieces []string
		err    error
		extra  bool
	}{
		{[]string{head + "abcde"}, nil, false},
		{[]string{"HTTP/1.1 2", "00 OK\r\nContent-Length: 5\r\n\r", "\nab", "cde"}, nil, false},
		{[]string{head + "abc"}, io.ErrUnexpectedEOF, false},
		{[]string{"HTTP/1.1 200 OK\r\n"}, io.ErrUnexpectedEOF, false},
		{[]string{head + "abcdef"}, nil, true},
	} {
		pieces := tt.pieces
		read := func(b []byte) (int, error) {
			if len(pieces) == 0 {
				return 0, io.EOF
			}
			n := copy(b, pieces[0])
			if pieces[0] = pieces[0][n:]; pieces[0] == "" {
				pieces = pieces[1:]
			}
			return n, nil
		}
		buf := replyBuffer(true, 5)
		got, total, err := readHTTP(read, buf, 5)
		switch {
		case tt.extra && (err == nil || !strings.Contains(err.Error(), "after its body")):
			t.Errorf("%q: %v, want an error for the byte after the body", tt.pieces, err)
		case !tt.extra && err != tt.err:
			t.Errorf("%q: %v, want %v", tt.pieces, err, tt.err)
		case err == nil && (got != total || !bytes.HasSuffix(buf[:got], []byte("abcde"))):
			t.Errorf("%q: read %q", tt.pieces, buf[:got])
		}
	}
}

func TestReadHTTPNoAllocs(t *testing.T) {
	reply := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 4000\r\n\r\n" +
		strings.Repeat("\x00", 4000))
	buf := replyBuffer(true, 4000)
	read := func(b []byte) (int, error) { return copy(b, reply), nil }
	if a := testing.AllocsPerRun(100, func() { readHTTP(read, buf, 4000) }); a != 0 {
		t.Errorf("readHTTP allocates %v times a reply", a)
	}
}
