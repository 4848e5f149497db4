//go:build linux && (amd64 || arm64)

package unp

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// The raw child's parser and reply (rawhttp.go) are ordinary Go, callable
// from a test with the child's buffer filled: these tests hold them to
// NextRequest, Reply and StatusReply, verdict for verdict and byte for byte.

// rawVerdict runs rawNextRequest on buf placed at off in rawBuf and says
// what it found, in the words execVerdict uses: how many bytes a request
// took and the request, "need more", or the error line and status reply.
func rawVerdict(buf []byte, off uint) string {
	rawR, rawW = off, off+uint(copy(rawBuf[off:], buf))
	took, status, why := rawNextRequest()
	switch {
	case why != "":
		rawMsgLen = 0
		if status == rawReading {
			rawMsgString("reading request: ")
			rawMsgWhy(why, 0)
		} else {
			rawMsgBadRequest(status, why)
		}
		return fmt.Sprintf("error %s; reply %q", rawMsg[:rawMsgLen], rawStatusReply(status))
	case took == 0:
		return "need more"
	}
	return fmt.Sprintf("took %d: %+v", took, Request{N: rawReq.n, HTTP: rawReq.http,
		HeadOnly: rawReq.headOnly, Close: rawReq.close, KeepAlive: rawReq.keepAlive})
}

// execVerdict is what NextRequest says of buf, with a RequestError's line
// quoted as the raw child quotes it (its one departure, see rawMsgQuote).
func execVerdict(t *testing.T, buf []byte) string {
	req, n, err := NextRequest(buf)
	var rerr *RequestError
	switch {
	case errors.As(err, &rerr):
		text := "bad request " + rawQuoteModel(rerr.Line) + ": " + rerr.Reason
		if rerr.Status != 0 {
			text += fmt.Sprintf(" (%d)", rerr.Status)
		}
		if isASCII(rerr.Line) && text != err.Error() {
			t.Fatalf("rawQuoteModel: %s, but the error reads %s", text, err)
		}
		return fmt.Sprintf("error %s; reply %q", text, StatusReply(err))
	case err != nil:
		return fmt.Sprintf("error %s; reply %q", err, StatusReply(err))
	case n == 0:
		return "need more"
	}
	return fmt.Sprintf("took %d: %+v", n, req)
}

// rawQuoteModel quotes s as %q does, but for a byte above 0x7e, always \x.
func rawQuoteModel(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c > 0x7e {
			fmt.Fprintf(&b, `\x%02x`, c)
		} else {
			q := strconv.Quote(string(rune(c)))
			b.WriteString(q[1 : len(q)-1])
		}
	}
	b.WriteByte('"')
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// checkRawAgrees compares the two parsers on buf, as a server's buffer
// holds it (at most MaxHead bytes), at the front of rawBuf and at its end,
// and on a sample of buf's prefixes: the bytes as they come.
func checkRawAgrees(t *testing.T, buf []byte) {
	buf = buf[:min(len(buf), MaxHead)]
	var prefixes []int
	for k := 0; k < len(buf); k += max(1, len(buf)/32) {
		prefixes = append(prefixes, k)
	}
	for _, k := range append(prefixes, len(buf)) {
		b := buf[:k]
		want := execVerdict(t, b)
		for _, off := range []uint{0, MaxHead - uint(len(b))} {
			if got := rawVerdict(b, off); got != want {
				t.Fatalf("on %.80q (%d bytes at %d in rawBuf):\nraw:  %s\nexec: %s", b, len(b), off, got, want)
			}
		}
	}
}

func TestRawNextRequest(t *testing.T) {
	for _, tt := range nextRequestCases {
		checkRawAgrees(t, []byte(tt.buf))
	}
	// the corners of the raw parser's own code
	for _, s := range []string{
		"GET /1 HTTP/1.1\r\nConnection:close\r\n\r\n",
		"GET /1 HTTP/1.0\r\nConnection: \t keep-alive \t\r\n\r\n",
		"GET /1 HTTP/1.0\r\nConnection: ,,keep-alive,\r\n\r\n",
		"GET /1 HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
		"GET /1 HTTP/1.1\r\nConnection: \u3000close\u00a0\r\n\r\n",
		"GET /1 HTTP/1.1\r\nConnection: \xe3\x80close\r\n\r\n",
		"GET /1 HTTP/1.1\r\nContent-Length: \u2000000\u0085\r\n\r\n",
		"GET /1 HTTP/1.1\r\nContent-Length: 0\xc2\r\n\r\n",
		"GET /1 HTTP/1.1\r\nContent-Length:\r\n\r\n",
		"GET /1 HTTP/1.1\r\nCONTENT-length: 00\r\n\r\n",
		"GET /1 HTTP/1.1\r\ntransfer-encoding: identity\r\n\r\n",
		"GET /1 HTTP/1.1\r\n: x\r\n\r\n",
		"GET /1 HTTP/1.1\r\nX:\r\n\r\n",
		"GET /1 HTTP/1.1\r\r\n\r\n",
		"GET /1 HTTP/1.1\r\n\r\r\n",
		"GET /1 HTTP/1.1\r\n\r\n4000\n",
		"GET /00016384 HTTP/1.1\n\n",
		"GET /1  HTTP/1.1\r\n",
		"GET /1 HTTP/1.1\x00\r\n",
		"HEAD / HTTP/1.0\r\n",
		"HEAD /1\r HTTP/1.0\r\n",
		"OPTIONS * HTTP/1.1\r\n",
		"G\x80T /1 HTTP/1.1\r\n",
		"\xff\n",
		"\a\b\f\v\x00\x7f\"\\\n",
		"12345678901234567890123456789012345678901234567890\n",
		"\r\n",
		"\n",
	} {
		checkRawAgrees(t, []byte(s))
	}
}

// FuzzRawParse holds the raw child's parser to NextRequest on any buffer.
// Its seeds are NextRequest's table and FuzzParseRequest's committed
// corpus, read from testdata/fuzz/FuzzParseRequest.
//
//	go test ./unp -run '^$' -fuzz '^FuzzRawParse$' -fuzztime 60s
func FuzzRawParse(f *testing.F) {
	for _, tt := range nextRequestCases {
		f.Add([]byte(tt.buf))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParseRequest", "*"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		_, lit, _ := strings.Cut(string(b), "[]byte(")
		s, err := strconv.Unquote(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(lit), ")")))
		if err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		f.Add([]byte(s))
	}
	if len(files) == 0 {
		f.Fatal("no FuzzParseRequest corpus")
	}
	f.Fuzz(func(t *testing.T, buf []byte) {
		checkRawAgrees(t, buf)
	})
}

// TestRawTrimSpace holds rawTrimSpace to bytes.TrimSpace around every rune.
func TestRawTrimSpace(t *testing.T) {
	for r := rune(0); r <= utf8.MaxRune; r++ {
		sp := string(r)
		for _, s := range []string{sp, sp + "a" + sp, "a" + sp, sp[:len(sp)-1] + "a", "a" + sp[1:]} {
			n := uint(copy(rawBuf[:], s))
			ts, te := rawTrimSpace(0, n)
			if got, want := string(rawBuf[ts:te]), string(bytes.TrimSpace([]byte(s))); got != want {
				t.Fatalf("rawTrimSpace(%q) = %q, want %q", s, got, want)
			}
		}
	}
}

// TestRawReply holds the raw child's reply to Reply's, head and body, as
// they come out of a socket, and its status replies to StatusReply's.
func TestRawReply(t *testing.T) {
	a, b := socketpair(t)
	var got [maxReplyHead + MAXN]byte
	for _, req := range []Request{
		{N: 1}, {N: MAXN}, {N: 7, HTTP: true}, {N: 10, HTTP: true, HeadOnly: true},
		{N: MAXN, HTTP: true, Close: true}, {N: 9999, HTTP: true, KeepAlive: true},
		{N: 100, HTTP: true, HeadOnly: true, Close: true},
	} {
		var r Reply
		r.Start(req)
		head, body := r.Parts()
		want := string(head) + string(body)

		rawReq.n, rawReq.http, rawReq.headOnly, rawReq.close, rawReq.keepAlive =
			req.N, req.HTTP, req.HeadOnly, req.Close, req.KeepAlive
		rawStartReply()
		if why, errno := rawWriteReply(a); why != "" || errno != 0 {
			t.Fatalf("rawWriteReply for %+v: %q, %v", req, why, errno)
		}
		if _, err := Readn(b, got[:len(want)]); err != nil {
			t.Fatalf("reading the reply to %+v: %v", req, err)
		}
		if string(got[:len(want)]) != want {
			t.Errorf("raw reply to %+v:\n%.120q\nwant\n%.120q", req, got[:len(want)], want)
		}
	}
	// and nothing more
	unix.Shutdown(a, unix.SHUT_WR)
	if n, err := Readn(b, got[:1]); n != 0 {
		t.Errorf("after the replies, %d more bytes (%v)", n, err)
	}

	for n := 1; n <= MAXN; n++ { // every Content-Length
		var r Reply
		r.Start(Request{N: n, HTTP: true})
		head, _ := r.Parts()
		rawReq.n, rawReq.http, rawReq.headOnly, rawReq.close, rawReq.keepAlive = n, true, false, false, false
		rawStartReply()
		if string(rawReplyHead[:rawReplyLen]) != string(head) {
			t.Fatalf("raw head for %d bytes: %q, want %q", n, rawReplyHead[:rawReplyLen], head)
		}
	}

	for _, status := range []int{0, 400, 404, 431, 501} {
		err := error(&RequestError{Status: status})
		if got, want := rawStatusReply(status), string(StatusReply(err)); got != want {
			t.Errorf("rawStatusReply(%d) = %q, want %q", status, got, want)
		}
	}
}
