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
// The committed corpus is in testdata/fuzz/FuzzParseRequest.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{"1", "16384", "16385", "0", "-1", "abc", "12abc", "10\r", "", "0016384"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		n, err := ParseRequest(line)
		if err != nil {
			var rerr *RequestError
			if !errors.As(err, &rerr) {
				t.Fatalf("ParseRequest(%q): error %v is not a RequestError", line, err)
			}
			return
		}
		if n < 1 || n > MAXN {
			t.Fatalf("ParseRequest(%q) = %d, out of range", line, n)
		}
		digits := strings.TrimLeft(strings.TrimSuffix(string(line), "\r"), "0")
		if digits != fmt.Sprint(n) {
			t.Fatalf("ParseRequest(%q) = %d", line, n)
		}
	})
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
