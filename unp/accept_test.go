package unp

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// listenLocal is Tcp_listen on 127.0.0.1 and a free port, closed when t ends.
func listenLocal(t *testing.T) (int, unix.Sockaddr) {
	t.Helper()
	l, err := tcp_listen("127.0.0.1", "0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(l) })
	sa, err := unix.Getsockname(l)
	if err != nil {
		t.Fatal(err)
	}
	return l, sa
}

// TestAcceptedSocketHasIdleTimeout: the timeouts set once on the listener
// reach every accepted socket, which is why Web_child sets none.
func TestAcceptedSocketHasIdleTimeout(t *testing.T) {
	l, sa := listenLocal(t)
	c, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(c)
	if err := unix.Connect(c, sa); err != nil {
		t.Fatal(err)
	}
	a, peer, err := Accept(l)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(a)
	if local, _ := unix.Getsockname(c); Sock_ntop(peer) != Sock_ntop(local) {
		t.Errorf("Accept's peer is %s, the client is %s", Sock_ntop(peer), Sock_ntop(local))
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

// TestAcceptOutlivesListenerTimeout: on a blocking listener SO_RCVTIMEO
// makes accept fail with EAGAIN after a quiet interval; Accept must wait on
// for the connection instead of returning that.
func TestAcceptOutlivesListenerTimeout(t *testing.T) {
	l, sa := listenLocal(t)
	tv := unix.NsecToTimeval((20 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(l, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	client := make(chan int, 1)
	go func() {
		time.Sleep(150 * time.Millisecond) // several listener timeouts
		c, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err == nil {
			unix.Connect(c, sa)
		}
		client <- c
	}()
	a, _, err := Accept(l)
	unix.Close(<-client)
	if err != nil {
		t.Fatalf("Accept = %v, want the connection made after the listener's timeout", err)
	}
	unix.Close(a)
}

// TestAcceptIPv6Peer: Accept decodes an IPv6 peer's address and port.
func TestAcceptIPv6Peer(t *testing.T) {
	l, err := tcp_listen("::1", "0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer unix.Close(l)
	sa, _ := unix.Getsockname(l)
	c, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(c)
	if err := unix.Connect(c, sa); err != nil {
		t.Fatal(err)
	}
	a, peer, err := Accept(l)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(a)
	if local, _ := unix.Getsockname(c); Sock_ntop(peer) != Sock_ntop(local) || Sock_ntop(peer)[:5] != "[::1]" {
		t.Errorf("Accept's peer is %s, the client is %s", Sock_ntop(peer), Sock_ntop(local))
	}
}
