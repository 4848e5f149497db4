package unp

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// stderrOf runs f with os.Stderr sent to a pipe and returns what it wrote.
func stderrOf(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	f()
	os.Stderr = saved
	w.Close()
	out, _ := io.ReadAll(r)
	return string(out)
}

func TestBackoffPausesDoubleAndLogOnce(t *testing.T) {
	b := &Backoff{What: "accept"}
	var pauses []time.Duration
	out := stderrOf(t, func() {
		for range 10 {
			pauses = append(pauses, b.Failed(unix.EMFILE))
		}
	})
	want := []time.Duration{5, 10, 20, 40, 80, 160, 320, 500, 500, 500}
	for i := range want {
		if pauses[i] != want[i]*time.Millisecond {
			t.Fatalf("pauses %v, want %v ms", pauses, want)
		}
	}
	if n := strings.Count(out, "\n"); n != 1 || !strings.Contains(out, "accept: too many open files; backing off") {
		t.Fatalf("ten failures within a second logged %d lines:\n%s", n, out)
	}
}

func TestBackoffCountsWhatItDidNotLog(t *testing.T) {
	b := &Backoff{What: "fork"}
	out := stderrOf(t, func() {
		b.Failed(unix.EAGAIN)
		b.Failed(unix.EAGAIN)
		b.logged = b.logged.Add(-backoffEvery) // a second later
		b.Failed(unix.EAGAIN)
	})
	if !strings.Contains(out, "fork: resource temporarily unavailable (2 times in 1.0s); backing off") {
		t.Fatalf("no count in the second line:\n%s", out)
	}
}

func TestBackoffSucceededEndsTheEpisodeOnceQuiet(t *testing.T) {
	b := &Backoff{What: "accept"}
	out := stderrOf(t, func() {
		b.Failed(unix.EMFILE)
		b.Succeeded() // flapping: within a second of the failure, says nothing
		if p := b.Failed(unix.EMFILE); p != backoffMin {
			t.Errorf("pause after a success %v, want %v", p, backoffMin)
		}
		b.last = b.last.Add(-backoffEvery)
		b.Succeeded()
		b.Succeeded() // the episode is over: nothing more
	})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "accept: working again after 2 failures") {
		t.Fatalf("want a failure line and one recovery line, got:\n%s", out)
	}
	if b.failing.Load() {
		t.Fatal("still failing after the recovery line")
	}
}
