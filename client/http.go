package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
)

// With -http the client asks for #bytes over HTTP/1.1 instead of the
// book's line, so that it loads any web server as it loads ours (and ours
// as ab and wrk do):
//
//	GET /#bytes HTTP/1.1
//	Host: <host>:<port>
//
// and it takes a reply only if its status is 200 and its Content-Length is
// #bytes, then reads the body, exactly #bytes. Any other status, or another
// length, is an error ("other"); a body cut short is a short reply. The
// request does not say Connection: close: the client closes, as in the
// book's load, so that TIME_WAIT lands on the client, and -requests K sends
// K requests on one connection (keep-alive, HTTP/1.1's default).

// maxReplyHead bounds an HTTP reply's head: more without its blank line is
// an error. A server of ours sends about a hundred bytes; nginx, Apache
// and net/http a few hundred.
const maxReplyHead = 1024

// request is what the client sends for #bytes: the book's line, or an
// HTTP/1.1 GET.
func request(c config) []byte {
	if !c.http {
		return []byte(strconv.Itoa(c.nbytes) + "\n") // newline at end
	}
	return fmt.Appendf(nil, "GET /%d HTTP/1.1\r\nHost: %s\r\n\r\n", c.nbytes,
		net.JoinHostPort(c.host, c.port))
}

// replyBuffer returns a buffer for one reply of nbytes: with -http, room
// for a head too.
func replyBuffer(http bool, nbytes int) []byte {
	if http {
		return make([]byte, nbytes+maxReplyHead)
	}
	return make([]byte, nbytes)
}

var crlf2 = []byte("\r\n\r\n")

// replyHead judges the bytes of an HTTP reply read so far, b: 0 and no
// error while its head is not all in; the length of the whole reply, head
// and #bytes of body, once it is and says 200 and Content-Length #bytes;
// an error otherwise. It allocates only for an error.
func replyHead(b []byte, nbytes int) (int, error) {
	end := bytes.Index(b, crlf2)
	if end < 0 {
		if len(b) >= maxReplyHead {
			return 0, fmt.Errorf("HTTP reply head longer than %d bytes", maxReplyHead)
		}
		return 0, nil
	}
	head := b[:end+2] // each line with its CRLF
	i := bytes.IndexByte(head, '\n')
	status := bytes.TrimSuffix(head[:i], []byte("\r"))
	// "HTTP/1.1 200 OK": the version, then the code between spaces
	if len(status) < 12 || !bytes.HasPrefix(status, []byte("HTTP/1.")) ||
		string(status[8:13]) != " 200 " && string(status[8:]) != " 200" {
		return 0, fmt.Errorf("HTTP reply %q", status)
	}
	length := -1
	for rest := head[i+1:]; len(rest) > 0; {
		j := bytes.IndexByte(rest, '\n')
		field := bytes.TrimSuffix(rest[:j], []byte("\r"))
		rest = rest[j+1:]
		name, value, ok := bytes.Cut(field, []byte(":"))
		if !ok || !bytes.EqualFold(name, []byte("Content-Length")) {
			continue
		}
		n, err := strconv.Atoi(string(bytes.TrimSpace(value)))
		if err != nil {
			return 0, fmt.Errorf("HTTP reply: Content-Length %q", value)
		}
		length = n
	}
	switch {
	case length < 0:
		return 0, errors.New("HTTP reply without Content-Length")
	case length != nbytes:
		return 0, fmt.Errorf("HTTP reply of Content-Length %d, want %d", length, nbytes)
	}
	return end + len(crlf2) + nbytes, nil
}

// readHTTP reads one HTTP reply of nbytes into buf (replyBuffer's), with
// read (a socket's read or a net.Conn's), as few reads as it comes in:
// head and body together, most often one. It returns how much it read,
// and how much it expected once it knew; a body cut short by EOF is
// io.ErrUnexpectedEOF, a short reply.
func readHTTP(read func([]byte) (int, error), buf []byte, nbytes int) (got, total int, err error) {
	for total == 0 || got < total {
		end := len(buf)
		if total > 0 {
			end = total
		}
		n, err := read(buf[got:end])
		got += max(n, 0)
		switch {
		case err == io.EOF || err == nil && n == 0:
			return got, total, io.ErrUnexpectedEOF
		case err != nil:
			return got, total, err
		}
		if total == 0 {
			if total, err = replyHead(buf[:got], nbytes); err != nil {
				return got, total, err
			}
		}
	}
	if got > total {
		return got, total, fmt.Errorf("HTTP reply: %d bytes after its body", got-total)
	}
	return got, total, nil
}
