package unpgo

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
	"unp-go.dev/lab"
)

// Commands that stand where a service manager stands: a notify socket
// (systemd's NOTIFY_SOCKET) that records what the servers tell it, and a
// watch on a PID file.
func init() {
	commands["notifysock"] = notifysock
	commands["pidwatch"] = pidwatch
}

// notifySocks are the scenarios' notify sockets, and what they received.
var notifySocks = struct {
	sync.Mutex
	m map[*testscript.TestScript]*notifySock
}{m: map[*testscript.TestScript]*notifySock{}}

type notifySock struct {
	fd   int
	mu   sync.Mutex
	msgs []string // "PID: VAR=VALUE VAR=VALUE", one a datagram
}

// notifysock listen binds a datagram socket in the abstract namespace
// (systemd's are there in a container, and the '@' form is the one that
// needs care) and sets NOTIFY_SOCKET to its '@' name for the programs the
// scenario starts from then on. It records every datagram with the PID of
// its sender, which the kernel vouches for (SO_PASSCRED), as systemd does.
//
// notifysock show prints what it has received, one line a datagram, the
// datagram's lines joined by spaces: "PID: READY=1".
func notifysock(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 || args[0] != "listen" && args[0] != "show" {
		ts.Fatalf("usage: notifysock listen|show")
	}
	notifySocks.Lock()
	s := notifySocks.m[ts]
	notifySocks.Unlock()
	if args[0] == "show" {
		if s == nil {
			ts.Fatalf("notifysock show: no socket")
		}
		s.drain()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, m := range s.msgs {
			fmt.Fprintln(ts.Stdout(), m)
		}
		return
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	ts.Check(err)
	name := fmt.Sprintf("@unp-notify-%d-%s", os.Getpid(), strings.ReplaceAll(ts.Getenv("WORK"), "/", "-"))
	name = name[:min(len(name), 100)]
	ts.Check(unix.Bind(fd, &unix.SockaddrUnix{Name: name}))
	ts.Check(unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1))
	s = &notifySock{fd: fd}
	notifySocks.Lock()
	notifySocks.m[ts] = s
	notifySocks.Unlock()
	ts.Defer(func() {
		notifySocks.Lock()
		delete(notifySocks.m, ts)
		notifySocks.Unlock()
		unix.Close(fd)
	})
	ts.Setenv("NOTIFY_SOCKET", name)
}

// drain reads every datagram queued on the socket, without waiting.
func (s *notifySock) drain() {
	buf, oob := make([]byte, 4096), make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	for {
		n, oobn, _, _, err := unix.Recvmsg(s.fd, buf, oob, unix.MSG_DONTWAIT)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return // EAGAIN: none left
		}
		pid := "?"
		if cmsgs, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil && len(cmsgs) > 0 {
			if cred, err := unix.ParseUnixCredentials(&cmsgs[0]); err == nil {
				pid = strconv.Itoa(int(cred.Pid))
			}
		}
		msg := strings.Join(strings.Fields(string(buf[:n])), " ")
		s.mu.Lock()
		s.msgs = append(s.msgs, pid+": "+msg)
		s.mu.Unlock()
	}
}

// pidWatches are the scenarios' PID file watches.
var pidWatches = struct {
	sync.Mutex
	m map[*testscript.TestScript]*pidWatch
}{m: map[*testscript.TestScript]*pidWatch{}}

type pidWatch struct {
	stop  chan struct{}
	done  chan struct{}
	looks int
	seen  []int    // the PIDs the file named, in order
	bad   []string // what was wrong, when
}

// pidwatch start FILE looks at FILE every millisecond from then on, as a
// supervisor might at any moment, and notes every look at which it is
// missing, holds no PID, or names a process that is not running (gone, or
// a zombie). pidwatch stop ends the watch, prints "L looks, PIDs named:
// P..." and fails if any look was bad.
func pidwatch(ts *testscript.TestScript, neg bool, args []string) {
	if neg || !(len(args) == 2 && args[0] == "start" || len(args) == 1 && args[0] == "stop") {
		ts.Fatalf("usage: pidwatch start FILE | pidwatch stop")
	}
	pidWatches.Lock()
	defer pidWatches.Unlock()
	if args[0] == "start" {
		w := &pidWatch{stop: make(chan struct{}), done: make(chan struct{})}
		pidWatches.m[ts] = w
		go w.watch(ts.MkAbs(args[1]))
		ts.Defer(func() { w.end() })
		return
	}
	w := pidWatches.m[ts]
	if w == nil {
		ts.Fatalf("pidwatch stop: no watch")
	}
	delete(pidWatches.m, ts)
	w.end()
	fmt.Fprintf(ts.Stdout(), "%d looks, PIDs named: %v\n", w.looks, w.seen)
	if len(w.bad) > 0 {
		ts.Fatalf("the PID file named no live process at %d looks, first: %s", len(w.bad), w.bad[0])
	}
}

func (w *pidWatch) end() {
	select {
	case <-w.done:
		return
	default:
	}
	close(w.stop)
	<-w.done
}

func (w *pidWatch) watch(path string) {
	defer close(w.done)
	for {
		select {
		case <-w.stop:
			return
		case <-time.After(time.Millisecond):
		}
		w.looks++
		b, err := os.ReadFile(path)
		if err != nil {
			w.bad = append(w.bad, fmt.Sprintf("look %d: %v", w.looks, err))
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			w.bad = append(w.bad, fmt.Sprintf("look %d: %q", w.looks, b))
			continue
		}
		if len(w.seen) == 0 || w.seen[len(w.seen)-1] != pid {
			w.seen = append(w.seen, pid)
		}
		if p, err := lab.Stat(pid); err != nil || p.State == 'Z' || syscall.Kill(pid, 0) != nil {
			w.bad = append(w.bad, fmt.Sprintf("look %d: pid %d not running", w.looks, pid))
		}
	}
}
