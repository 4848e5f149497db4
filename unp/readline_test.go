package unp

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// socketpair returns two connected stream sockets, closed when t ends.
func socketpair(t testing.TB) (int, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fds[0]); unix.Close(fds[1]) })
	return fds[0], fds[1]
}

// feed writes data to fd in the given chunks, then shuts down writing. The
// test waits for it before its descriptors are closed: a writer still busy
// afterwards would write into whatever socket the next test gets at fd.
func feed(t testing.TB, fd int, chunks ...string) {
	t.Helper()
	done := make(chan struct{})
	t.Cleanup(func() { <-done })
	go func() {
		defer close(done)
		for _, c := range chunks {
			Writen(fd, []byte(c))
		}
		unix.Shutdown(fd, unix.SHUT_WR)
	}()
}

func readAll(fd int) ([]string, error) {
	var rl Rline
	rl.Reset(fd)
	return readAllWith(&rl)
}

func TestReadline(t *testing.T) {
	long := strings.Repeat("x", MAXLINE-1) // with its newline, exactly MAXLINE
	for _, tt := range []struct {
		name   string
		chunks []string
		lines  []string
		err    error
	}{
		{"one line", []string{"100\n"}, []string{"100"}, io.EOF},
		{"pipelined", []string{"1\n2\n3\n"}, []string{"1", "2", "3"}, io.EOF},
		{"split", []string{"1", "0", "0\n2", "\n"}, []string{"100", "2"}, io.EOF},
		{"empty lines", []string{"\n\n"}, []string{"", ""}, io.EOF},
		{"nothing", nil, nil, io.EOF},
		{"partial", []string{"100\n20"}, []string{"100"}, ErrPartialLine},
		{"exactly MAXLINE", []string{long + "\n"}, []string{long}, io.EOF},
		{"one over MAXLINE", []string{long + "x\n"}, nil, ErrLineTooLong},
		{"long after short", []string{"5\n", long, "xy\n"}, []string{"5"}, ErrLineTooLong},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a, b := socketpair(t)
			feed(t, a, tt.chunks...)
			lines, err := readAll(b)
			if !errors.Is(err, tt.err) || strings.Join(lines, "|") != strings.Join(tt.lines, "|") {
				t.Errorf("got %d lines %.40q, %v; want %.40q, %v", len(lines), lines, err, tt.lines, tt.err)
			}
		})
	}
}

func TestReadnShortReads(t *testing.T) {
	a, b := socketpair(t)
	feed(t, a, "ab", "c", "defg")
	buf := make([]byte, 5)
	if n, err := Readn(b, buf); n != 5 || err != nil || string(buf) != "abcde" {
		t.Fatalf("Readn = %d, %v, %q", n, err, buf)
	}
	if n, err := Readn(b, buf); n != 2 || err != nil || string(buf[:n]) != "fg" {
		t.Fatalf("Readn at EOF = %d, %v, %q; want 2, nil, fg", n, err, buf[:n])
	}
}

func TestWritenShortWrites(t *testing.T) {
	a, b := socketpair(t)
	// A tiny send buffer forces write(2) to take the data in pieces.
	if err := unix.SetsockoptInt(a, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096); err != nil {
		t.Fatal(err)
	}
	data := []byte(strings.Repeat("0123456789", 100000))
	done := make(chan error)
	go func() {
		err := Writen(a, data)
		unix.Shutdown(a, unix.SHUT_WR)
		done <- err
	}()
	got := make([]byte, len(data)+1)
	n, err := Readn(b, got)
	if err != nil || n != len(data) || string(got[:n]) != string(data) {
		t.Fatalf("read back %d of %d bytes, %v", n, len(data), err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestReadIdleTimeout(t *testing.T) {
	_, b := socketpair(t)
	tv := unix.Timeval{Usec: 20000}
	unix.SetsockoptTimeval(b, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	if _, err := Readn(b, make([]byte, 1)); err != ErrIdle {
		t.Fatalf("Readn on a silent peer = %v, want ErrIdle", err)
	}
}

// TestReadlineSlowLine: a peer that sends a line one byte at a time, each
// well within any per-read timeout, is cut off once the line has taken
// longer than the line limit; a line that comes whole is never timed.
func TestReadlineSlowLine(t *testing.T) {
	a, b := socketpair(t)
	stop, stopped := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(stop); <-stopped }) // before the sockets close
	go func() {
		defer close(stopped)
		for range 100 { // a 100-byte line over 2 s
			if Writen(a, []byte("0")) != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	var rl Rline
	rl.Reset(b)
	rl.limit = 100 * time.Millisecond
	t0 := time.Now()
	line, err := rl.Readline()
	if took := time.Since(t0); err != ErrSlowLine || took < rl.limit || took > time.Second {
		t.Fatalf("Readline of a dribbled line = %q, %v after %v; want ErrSlowLine after %v", line, err, took, rl.limit)
	}

	c, d := socketpair(t)
	feed(t, c, "12\n34\n")
	rl.Reset(d)
	rl.limit = time.Nanosecond
	if lines, err := readAllWith(&rl); err != io.EOF || strings.Join(lines, "|") != "12|34" {
		t.Fatalf("lines that come whole under a 1 ns limit: %q, %v", lines, err)
	}
}

func readAllWith(rl *Rline) ([]string, error) {
	var lines []string
	for {
		line, err := rl.Readline()
		if err != nil {
			return lines, err
		}
		lines = append(lines, string(line))
	}
}
