package unp

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// init plays the children of the tests below, before TestMain: a child in
// role "meter" adds args[1] connections to counter args[2] of the meter at
// ChildFd(0); a child in role "sleep" waits to be killed.
func init() {
	role, args, ok := Child()
	if !ok {
		return
	}
	switch role {
	case "meter":
		m := OpenMeter(ChildFd(0))
		n, _ := strconv.Atoi(args[1])
		i, _ := strconv.Atoi(args[2])
		for range n {
			m.Add(i)
		}
		os.Exit(0)
	case "sleep":
		time.Sleep(time.Minute)
		os.Exit(0)
	case "die":
		os.Exit(1)
	}
}

func TestMeterAcrossFork(t *testing.T) {
	m := NewMeter(3)
	pid, err := Fork("meter", []string{"-test.run=^$", "500", "2"}, m.Fd())
	if err != nil {
		t.Fatal(err)
	}
	m.Add(0)
	waitFor(t, pid)
	if m.Len() != 3 || m.Count(0) != 1 || m.Count(1) != 0 || m.Count(2) != 500 {
		t.Fatalf("counts %d %d %d (len %d), want 1 0 500", m.Count(0), m.Count(1), m.Count(2), m.Len())
	}
}

func TestWriteReadFd(t *testing.T) {
	s0, s1 := socketpair(t)
	sp := [2]int{s0, s1}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[0])
	if n, err := Write_fd(sp[0], []byte{'x'}, p[1]); n != 1 || err != nil {
		t.Fatalf("write_fd: %d, %v", n, err)
	}
	unix.Close(p[1]) // the receiver has its own copy now

	buf := make([]byte, 10)
	n, fd, err := Read_fd(sp[1], buf)
	if n != 1 || buf[0] != 'x' || fd < 0 || err != nil {
		t.Fatalf("read_fd: %d %q, fd %d, %v", n, buf[:n], fd, err)
	}
	if flags, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("received descriptor is not close-on-exec")
	}
	// the received descriptor is the pipe's write end
	Writen(fd, []byte("through"))
	unix.Close(fd)
	if n, _ := Readn(p[0], buf); string(buf[:n]) != "through" {
		t.Fatalf("pipe read %q", buf[:n])
	}

	// bytes without a descriptor; then EOF
	unix.Write(sp[0], []byte{'y'})
	unix.Shutdown(sp[0], unix.SHUT_WR)
	if n, fd, err := Read_fd(sp[1], buf); n != 1 || fd != -1 || err != nil {
		t.Fatalf("plain byte: %d, fd %d, %v", n, fd, err)
	}
	if n, fd, err := Read_fd(sp[1], buf); n != 0 || fd != -1 || err != nil {
		t.Fatalf("EOF: %d, fd %d, %v", n, fd, err)
	}
}

func TestWriteFdNoData(t *testing.T) {
	s0, s1 := socketpair(t)
	sp := [2]int{s0, s1}
	if _, err := Write_fd(sp[0], nil, 0); err == nil {
		t.Fatal("write_fd with no data byte: no error")
	}
}

// Two descriptors in one message: Read_fd has room for one (MSG_CTRUNC),
// closes whatever arrived and says so.
func TestReadFdTooMany(t *testing.T) {
	s0, s1 := socketpair(t)
	sp := [2]int{s0, s1}
	before := openFds(t)
	if err := unix.Sendmsg(sp[0], []byte{'x'}, unix.UnixRights(0, 1), nil, 0); err != nil {
		t.Fatal(err)
	}
	if _, fd, err := Read_fd(sp[1], make([]byte, 1)); err == nil || fd != -1 {
		t.Fatalf("read_fd: fd %d, err %v; want an error and no descriptor", fd, err)
	}
	if after := openFds(t); after != before {
		t.Fatalf("%d descriptors open, %d before: a leak", after, before)
	}
}

// A dead child is reaped and replaced in its slot; TerminateAll leaves none.
func TestChildrenRespawn(t *testing.T) {
	sigfd := SignalPipe()
	c := Prefork(2, func(i int) (int, error) {
		return Fork("sleep", []string{"-test.run=^$", strconv.Itoa(i)})
	})
	old := c.Pids[1]
	unix.Kill(old, unix.SIGKILL)
	// a SIGCHLD may be an earlier test's child; the replacement of one
	// that died young comes after respawnPause, when fill's time comes
	for deadline := time.Now().Add(5 * time.Second); c.Pids[1] == old || c.Pids[1] == 0; {
		if time.Now().After(deadline) {
			break
		}
		if Readable(sigfd, 20*time.Millisecond) && ReadSignal(sigfd) == syscall.SIGCHLD {
			Reap(func(pid int, ws unix.WaitStatus) { c.Reaped(pid, ws) })
		}
		c.Fill()
	}
	if c.Pids[1] == old || c.Pids[1] <= 0 || unix.Kill(c.Pids[1], 0) != nil {
		t.Fatalf("slot 1: pid %d, was %d: not replaced", c.Pids[1], old)
	}
	c.Terminate()
	if _, err := unix.Wait4(-1, nil, unix.WNOHANG, nil); err != unix.ECHILD {
		t.Fatalf("after Terminate: wait4 %v, want ECHILD", err)
	}
}

// A child that dies at start-up is replaced at most every respawnPause,
// not as fast as the parent can fork; and the parent waits for it in its
// loop (fill's retry, as Pause does), not in a sleep.
func TestChildrenRespawnPause(t *testing.T) {
	sigfd := SignalPipe()
	c := Prefork(1, func(i int) (int, error) {
		return Fork("die", []string{"-test.run=^$", strconv.Itoa(i)})
	})
	const watch = time.Second
	deaths := 0
	var retry time.Duration
	for deadline := time.Now().Add(watch); time.Now().Before(deadline); {
		wait := time.Until(deadline)
		if retry > 0 {
			wait = min(wait, retry)
		}
		if Readable(sigfd, wait) && ReadSignal(sigfd) == syscall.SIGCHLD {
			Reap(func(pid int, ws unix.WaitStatus) { deaths++; c.Reaped(pid, ws) })
		}
		retry = c.Fill()
	}
	c.Terminate()
	if max := int(watch/respawnPause) + 1; deaths < 2 || deaths > max {
		t.Fatalf("%d deaths of a failing child in %v; want 2 to %d", deaths, watch, max)
	}
}

func openFds(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func waitFor(t *testing.T, pid int) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || ws.ExitStatus() != 0 {
			t.Fatalf("wait4 %d: %v, status %v", pid, err, ws)
		}
		return
	}
}

// Reap forgets a child's start time, so that serv01, which forks a child
// per connection, does not keep one per connection.
func TestReapForgetsChild(t *testing.T) {
	pid, err := Fork("die", []string{"-test.run=^$", "0"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := childAge(pid); !ok {
		t.Fatalf("Fork did not record child %d", pid)
	}
	reaped := false
	for deadline := time.Now().Add(5 * time.Second); !reaped && time.Now().Before(deadline); {
		Reap(func(p int, _ unix.WaitStatus) { reaped = reaped || p == pid })
		time.Sleep(5 * time.Millisecond)
	}
	if _, ok := childAge(pid); !reaped || ok {
		t.Fatalf("child %d: reaped %v, still recorded %v", pid, reaped, ok)
	}
}

// A slot whose fork fails stays empty and is tried again after a pause
// that grows; once fork works, it is filled.
func TestChildrenFillBacksOff(t *testing.T) {
	fails := 2
	c := &Children{Pids: []int{0}, forks: Backoff{What: "fork"}, after: []time.Time{{}}}
	c.child_make = func(int) (int, error) {
		if fails > 0 {
			fails--
			return 0, unix.EAGAIN
		}
		return 4242, nil
	}
	var pauses []time.Duration
	stderrOf(t, func() {
		for range 3 {
			pauses = append(pauses, c.Fill())
		}
	})
	if pauses[0] != backoffMin || pauses[1] != 2*backoffMin || pauses[2] != 0 {
		t.Fatalf("pauses %v, want %v, %v, 0", pauses, backoffMin, 2*backoffMin)
	}
	if c.Pids[0] != 4242 {
		t.Fatalf("slot 0 holds %d after fork worked", c.Pids[0])
	}
}

// Reap reports a child that stops and continues, and reaps it only when it
// dies.
func TestReapSeesStops(t *testing.T) {
	sigfd := SignalPipe()
	pid := forkTest(t, "sleep", nil)
	var seen []string
	wait := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
			if !Readable(sigfd, time.Second) || ReadSignal(sigfd) != syscall.SIGCHLD {
				continue
			}
			Reap(func(p int, ws unix.WaitStatus) {
				switch {
				case p != pid:
				case ws.Stopped():
					seen = append(seen, "stopped")
				case ws.Continued():
					seen = append(seen, "continued")
				default:
					seen = append(seen, "died")
				}
			})
			if len(seen) > 0 && seen[len(seen)-1] == want {
				return
			}
		}
		t.Fatalf("waiting for %q, saw %v", want, seen)
	}
	unix.Kill(pid, unix.SIGSTOP)
	wait("stopped")
	unix.Kill(pid, unix.SIGCONT)
	wait("continued")
	unix.Kill(pid, unix.SIGKILL)
	wait("died")
}
