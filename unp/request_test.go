package unp

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseRequest(t *testing.T) {
	for _, tt := range []struct {
		line string
		n    int
		why  string // substring of the error; "" if none
	}{
		{"1", 1, ""},
		{"4000", 4000, ""},
		{"16384", MAXN, ""},
		{"00042", 42, ""},
		{"10\r", 10, ""},
		{"", 0, "empty line"},
		{"\r", 0, "empty line"},
		{"0", 0, "zero bytes"},
		{"000", 0, "zero bytes"},
		{"16385", 0, "more than MAXN"},
		{"99999999999999999999999", 0, "more than MAXN"},
		{"abc", 0, "not a decimal"},
		{"-5", 0, "not a decimal"},
		{"+5", 0, "not a decimal"},
		{" 5", 0, "not a decimal"},
		{"5 ", 0, "not a decimal"},
		{"12abc", 0, "not a decimal"},
		{"1\x002", 0, "not a decimal"},
		{"10\r\r", 0, "not a decimal"},
	} {
		n, err := ParseRequest([]byte(tt.line))
		if tt.why == "" {
			if err != nil || n != tt.n {
				t.Errorf("ParseRequest(%q) = %d, %v; want %d, nil", tt.line, n, err, tt.n)
			}
			continue
		}
		var rerr *RequestError
		if !errors.As(err, &rerr) || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("ParseRequest(%q) = %d, %v; want a RequestError saying %q", tt.line, n, err, tt.why)
		}
	}
}

func TestParseRequestQuotesShortly(t *testing.T) {
	_, err := ParseRequest([]byte(strings.Repeat("x", 1000)))
	if got := err.Error(); len(got) > 100 {
		t.Errorf("error is %d bytes long: %s", len(got), got)
	}
}

// FuzzParseRequest checks that any line either parses to a count in 1..MAXN
// that prints back as the same digits, or is a RequestError; never a panic.
// The same bytes, as a connection's buffer, go to NextRequest, which must
// take no more than it has, agree with itself on every shorter prefix (what
// an event loop feeds it as the bytes come), and give HTTP only for GET or
// HEAD of the digits it returns. The committed corpus is in
// testdata/fuzz/FuzzParseRequest.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{"1", "16384", "16385", "0", "-1", "abc", "12abc", "10\r", "", "0016384",
		"GET /4000 HTTP/1.1\r\nHost: x\r\n\r\n", "HEAD /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"GET /1 HTTP/1.1\n\n5\n", "POST /1 HTTP/1.1\r\n\r\n", "GET /1 HTTP/1.1\r\nContent-Length: 1\r\n\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		n, err := ParseRequest(line)
		if err != nil {
			var rerr *RequestError
			if !errors.As(err, &rerr) {
				t.Fatalf("ParseRequest(%q): error %v is not a RequestError", line, err)
			}
		} else if n < 1 || n > MAXN {
			t.Fatalf("ParseRequest(%q) = %d, out of range", line, n)
		} else if digits := strings.TrimLeft(strings.TrimSuffix(string(line), "\r"), "0"); digits != fmt.Sprint(n) {
			t.Fatalf("ParseRequest(%q) = %d", line, n)
		}
		checkNextRequest(t, line)
	})
}

func checkNextRequest(t *testing.T, buf []byte) {
	req, n, err := NextRequest(buf)
	var rerr *RequestError
	switch {
	case err != nil && n != 0:
		t.Fatalf("NextRequest(%q) took %d bytes with error %v", buf, n, err)
	case err != nil && !errors.As(err, &rerr) && !errors.Is(err, ErrLineTooLong):
		t.Fatalf("NextRequest(%q): error %v is neither a RequestError nor ErrLineTooLong", buf, err)
	case n > len(buf):
		t.Fatalf("NextRequest(%q) took %d bytes", buf, n)
	case n > 0 && (req.N < 1 || req.N > MAXN):
		t.Fatalf("NextRequest(%q) = %d bytes, out of range", buf, req.N)
	case n > 0 && req.HTTP:
		method, rest, _ := strings.Cut(string(buf[:n]), " /")
		digits, _, _ := strings.Cut(rest, " ")
		if method != "GET" && method != "HEAD" || req.HeadOnly != (method == "HEAD") ||
			strings.TrimLeft(digits, "0") != fmt.Sprint(req.N) {
			t.Fatalf("NextRequest(%q) = %+v", buf, req)
		}
	}
	if n == 0 && err == nil {
		return
	}
	// prefixes, the bytes so far: every one of a short buffer, a sample of a
	// long one, and the last before the request is whole
	var prefixes []int
	for k := 0; k < len(buf); k += max(1, len(buf)/64) {
		prefixes = append(prefixes, k)
	}
	if n > 0 {
		prefixes = append(prefixes, n-1)
	}
	for _, k := range prefixes {
		preq, pn, perr := NextRequest(buf[:k])
		switch {
		case k >= n && n > 0 && (pn != n || preq != req || perr != nil):
			t.Fatalf("NextRequest(%q) = %+v, %d, %v; but on %d bytes %+v, %d, %v",
				buf, req, n, err, k, preq, pn, perr)
		case k < n && (pn != 0 || perr != nil):
			t.Fatalf("NextRequest(%q) takes %d bytes, but on %d bytes %+v, %d, %v",
				buf, n, k, preq, pn, perr)
		case err != nil && (pn != 0 || perr != nil && perr.Error() != err.Error()):
			t.Fatalf("NextRequest(%q) = %v, but on %d bytes %+v, %d, %v", buf, err, k, preq, pn, perr)
		}
	}
}

func ExampleParseRequest() {
	for _, line := range []string{"4000", "abc", "0", "16385"} {
		n, err := ParseRequest([]byte(line))
		fmt.Println(n, err)
	}
	// Output:
	// 4000 <nil>
	// 0 bad request "abc": not a decimal byte count
	// 0 bad request "0": zero bytes
	// 0 bad request "16385": more than MAXN (16384) bytes
}
