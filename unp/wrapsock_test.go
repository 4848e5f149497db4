package unp

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// listenLocal is tcp_listen on host and a free port, closed when t ends. It
// skips the test if host cannot be bound (no IPv6 loopback, say).
func listenLocal(t *testing.T, host string) (listenfd int, port string) {
	t.Helper()
	l, err := tcp_listen(host, "0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", host, err)
	}
	t.Cleanup(func() { unix.Close(l) })
	sa, err := unix.Getsockname(l)
	if err != nil {
		t.Fatal(err)
	}
	return l, Sock_ntop(sa)[strings.LastIndexByte(Sock_ntop(sa), ':')+1:]
}

// acceptOne connects to the listener with Tcp_connect and accepts the
// connection. It returns the accepted socket (closed when t ends), the peer
// Accept reported and the client's own address, which should be the same.
func acceptOne(t *testing.T, l int, host, port string) (connfd int, peer, client string) {
	t.Helper()
	c, err := Tcp_connect(host, port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(c) })
	a, sa, err := Accept(l)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(a) })
	local, _ := unix.Getsockname(c)
	return a, Sock_ntop(sa), Sock_ntop(local)
}

// TestAcceptedSocketHasIdleTimeout: the timeouts set once on the listener
// reach every accepted socket, which is why Web_child sets none.
func TestAcceptedSocketHasIdleTimeout(t *testing.T) {
	l, port := listenLocal(t, "127.0.0.1")
	a, peer, client := acceptOne(t, l, "127.0.0.1", port)
	if peer != client {
		t.Errorf("Accept's peer is %s, the client is %s", peer, client)
	}
	want, _ := IdleTimeout()
	for _, opt := range []int{unix.SO_RCVTIMEO, unix.SO_SNDTIMEO} {
		tv, err := unix.GetsockoptTimeval(a, unix.SOL_SOCKET, opt)
		if err != nil {
			t.Fatal(err)
		}
		// the kernel keeps timeouts in jiffies: allow a tick of rounding
		if got := time.Duration(tv.Nano()); got < want-10*time.Millisecond || got > want+10*time.Millisecond {
			t.Errorf("accepted socket's option %d is %v, want the idle timeout %v", opt, got, want)
		}
	}
}

// TestAcceptIPv6Peer: Accept decodes an IPv6 peer's address and port.
func TestAcceptIPv6Peer(t *testing.T) {
	l, port := listenLocal(t, "::1")
	_, peer, client := acceptOne(t, l, "::1", port)
	if peer != client || !strings.HasPrefix(peer, "[::1]:") {
		t.Errorf("Accept's peer is %s, the client is %s", peer, client)
	}
}

// TestAcceptOutlivesListenerTimeout: on a blocking listener SO_RCVTIMEO
// makes accept fail with EAGAIN after a quiet interval; Accept must wait on
// for the connection instead of returning that.
func TestAcceptOutlivesListenerTimeout(t *testing.T) {
	l, port := listenLocal(t, "127.0.0.1")
	tv := unix.NsecToTimeval((20 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(l, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	client := make(chan int, 1)
	go func() {
		time.Sleep(150 * time.Millisecond) // several listener timeouts
		c, _ := Tcp_connect("127.0.0.1", port)
		client <- c
	}()
	a, _, err := Accept(l)
	unix.Close(<-client)
	if err != nil {
		t.Fatalf("Accept = %v, want the connection made after the listener's timeout", err)
	}
	unix.Close(a)
}

// TestWildcardName: with no host, a server listens on every address and
// says so as the README's run section shows, "[::]:PORT" (or "0.0.0.0:PORT"
// on a machine without IPv6). The socket is bound, never listening, so it
// takes no connection from anywhere.
func TestWildcardName(t *testing.T) {
	fd, err := tcpSocket("", "0", false, false)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	name := Sock_ntop(sa)
	if !strings.HasPrefix(name, "[::]:") && !strings.HasPrefix(name, "0.0.0.0:") {
		t.Errorf("no host: bound to %s, want [::]:PORT", name)
	}
	if v6only, err := unix.GetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY); err == nil &&
		v6only != 0 {
		t.Errorf("no host: IPV6_V6ONLY is on, so IPv4 clients would not reach %s", name)
	}
}

// A thread asleep in AcceptUnless leaves accept(2) when it is knocked on
// (a signal to the thread) once stop says so, while it sleeps there. The listener's receive
// timeout is set to an hour: were the knock not to end the accept (with no
// timeout at all, Linux restarts the call), the test would hang until go
// test's timeout, not pass by the timeout's EAGAIN.
func TestAcceptUnlessKnocked(t *testing.T) {
	ln, _ := listenLocal(t, "127.0.0.1")
	hour := unix.NsecToTimeval(time.Hour.Nanoseconds())
	if err := unix.SetsockoptTimeval(ln, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &hour); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	tids := make(chan int)
	done := make(chan error)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		tids <- unix.Gettid()
		_, _, err := AcceptUnless(ln, stop.Load)
		done <- err
	}()
	tid := <-tids
	// stop set before the first look would end it without an accept(2)
	wchan := fmt.Sprintf("/proc/self/task/%d/wchan", tid)
	for i := 0; ; i++ {
		if w, _ := os.ReadFile(wchan); strings.Contains(string(w), "accept") {
			break
		}
		if i == 1000 {
			t.Fatal("the thread never slept in accept")
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop.Store(true)
	for {
		unix.Tgkill(unix.Getpid(), tid, unix.SIGURG) // a knock before accept(2) is lost: again
		select {
		case err := <-done:
			if err != ErrStopped {
				t.Fatalf("AcceptUnless = %v, want ErrStopped", err)
			}
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
}
