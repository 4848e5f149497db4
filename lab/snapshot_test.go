package lab

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Snapshot of this process, with an epoll instance watching a timerfd
// armed for an hour: the descriptors and their state, as /proc shows them.
func TestSnapshot(t *testing.T) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ep)
	tfd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(tfd)
	spec := unix.ItimerSpec{Value: unix.Timespec{Sec: 3600}}
	if err := unix.TimerfdSettime(tfd, 0, &spec, nil); err != nil {
		t.Fatal(err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(tfd)}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, tfd, &ev); err != nil {
		t.Fatal(err)
	}
	got := Snapshot(os.Getpid())
	for _, want := range []string{
		fmt.Sprintf("pid %d (", os.Getpid()),
		fmt.Sprintf("fd %d epoll watching 1;", ep),
		"anon_inode:[timerfd] ×1;",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in %s", want, got)
		}
	}
	// armed for an hour: most of it is left, whatever this machine's pace
	armed := regexp.MustCompile(fmt.Sprintf(`fd %d timerfd ticks 0 it_value \(3[0-9]{3}, `, tfd))
	if !armed.MatchString(got) {
		t.Errorf("no armed timerfd %d in %s", tfd, got)
	}
	if !regexp.MustCompile(`; [0-9]+ threads: `).MatchString(got) {
		t.Errorf("no thread count in %s", got)
	}
	if strings.Contains(got, "\n") {
		t.Errorf("more than one line: %s", got)
	}
}

// A group's snapshot has a line for each live member.
func TestGroupSnapshot(t *testing.T) {
	g := start(t, "sleep 30 & sleep 30 & wait")
	waitMembers(t, g, 3)
	// the two sleeps have been forked, but may not have run sleep yet
	var got string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		got = g.Snapshot()
		if strings.Count(got, "(sleep) S; 1 threads: S ") == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not two sleeping sleeps:\n%s", got)
		}
	}
	if n := strings.Count(got, "\n") + 1; n != 3 {
		t.Errorf("%d lines, want 3:\n%s", n, got)
	}
	if got := Snapshot(1 << 30); !strings.HasPrefix(got, "pid 1073741824: ") {
		t.Errorf("a process that is not: %q", got)
	}
}
