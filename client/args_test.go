package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Each bad command line is refused with a message naming what is wrong.
func TestParseArgs(t *testing.T) {
	pos := []string{"127.0.0.1", "9999", "2", "1", "100"}
	for _, tc := range []struct {
		flags []string
		err   string // "" for a good command line
	}{
		{nil, ""},
		{[]string{"-rate", "100", "-requests", "3"}, ""},
		{[]string{"-conns", "10", "-every", "1s", "-duration", "5s"}, ""},
		{[]string{"-rate", "0"}, "bad -rate 0"},
		{[]string{"-rate", "NaN"}, "bad -rate NaN"},
		{[]string{"-requests", "0"}, "bad -requests 0"},
		{[]string{"-conns", "1"}, "bad -conns 1: fewer connections than the 2"},
		{[]string{"-duration", "1s"}, "-every and -duration go with -conns"},
		{[]string{"-inflight", "2", "-conns", "4"}, "-inflight is for the closed loop"},
		{[]string{"-every", "-1s", "-conns", "4"}, "bad -every -1s"},
	} {
		_, err := parseArgs(append(tc.flags, pos...))
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: error %v, want %q", tc.flags, err, tc.err)
		}
	}
}

// -rate with -conns paces the held connections: each sends one every
// conns/rate, and the offered rate is the one asked for.
func TestConnsRate(t *testing.T) {
	c, err := parseArgs([]string{"-conns", "100", "-rate", "400", "h", "p", "2", "1", "10"})
	if err != nil {
		t.Fatal(err)
	}
	if c.every != 250*time.Millisecond || c.offered() != 400 {
		t.Fatalf("every %v, offered %v; want 250ms, 400", c.every, c.offered())
	}
}

// classify sorts the errors the client meets as the report counts them.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want errKind
	}{
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), refused},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), reset},
		{fmt.Errorf("write: %w", syscall.EPIPE), reset},
		{fmt.Errorf("read: %w", os.ErrDeadlineExceeded), timedOut},
		{fmt.Errorf("reply: %w", io.ErrUnexpectedEOF), short},
		{fmt.Errorf("reply: %w", io.EOF), short},
		{fmt.Errorf("socket: %w", syscall.EMFILE), other},
	} {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, kindNames[got], kindNames[tc.want])
		}
	}
}
