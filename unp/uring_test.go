package unp

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The ring against the real kernel: each test sets up a ring on a locked
// OS thread, as serv12-uring's child does, and skips (saying why) where the
// kernel or a seccomp filter refuses io_uring.

// serverFlags are the flag sets serv12-uring tries, best first.
var serverFlags = []uint32{
	SetupSingleIssuer | SetupDeferTaskrun | SetupCoopTaskrun | SetupTaskrunFlag | SetupSubmitAll,
	SetupCoopTaskrun | SetupTaskrunFlag | SetupSubmitAll,
	0,
}

// testRing sets up a ring for t on the calling goroutine's thread, which
// it locks for the rest of the test.
func testRing(t *testing.T, flagSets ...uint32) *Ring {
	t.Helper()
	runtime.LockOSThread()
	t.Cleanup(runtime.UnlockOSThread)
	r, err := SetupRing(64, 256, flagSets...)
	if RingUnavailable(err) {
		t.Skipf("io_uring unavailable here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// waitCQEs enters the ring until it has n completions, or fails the test
// after 5 s.
func waitCQEs(t *testing.T, r *Ring, n int) []CQE {
	t.Helper()
	var got []CQE
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < n {
		if time.Now().After(deadline) {
			t.Fatalf("got %d completions of %d: %+v", len(got), n, got)
		}
		if err := r.Enter(true, 100*time.Millisecond); err != nil &&
			err != unix.EINTR && err != unix.ETIME {
			t.Fatalf("Enter: %v", err)
		}
		r.Completions(func(c *CQE) { got = append(got, *c) })
	}
	return got
}

func mustSQE(t *testing.T, r *Ring) *SQE {
	t.Helper()
	sqe, err := r.GetSQE()
	if err != nil {
		t.Fatal(err)
	}
	return sqe
}

// TestRingNop submits more no-ops than the SQ holds (GetSQE must submit a
// full queue itself) and finds every user data once in the CQ.
func TestRingNop(t *testing.T) {
	r := testRing(t, serverFlags...)
	t.Logf("setup flags: %s", r.FlagNames())
	const n = 200 // the SQ has 64 entries
	for i := range n {
		mustSQE(t, r).PrepNop(uint64(i) + 1)
	}
	seen := map[uint64]bool{}
	for _, c := range waitCQEs(t, r, n) {
		if c.Res != 0 || seen[c.UserData] || c.UserData < 1 || c.UserData > n {
			t.Fatalf("unexpected completion %+v", c)
		}
		seen[c.UserData] = true
	}
}

// TestRingFallback: a flag set the kernel does not know (EINVAL) is
// skipped for the next one, and Flags says which was taken.
func TestRingFallback(t *testing.T) {
	r := testRing(t, 1<<31, SetupCoopTaskrun)
	if r.Flags&(1<<31) != 0 || r.Flags&SetupCoopTaskrun == 0 {
		t.Errorf("flags %#x (%s), want COOP_TASKRUN", r.Flags, r.FlagNames())
	}
	if _, err := SetupRing(64, 256, 1<<31); !errors.Is(err, unix.EINVAL) {
		t.Errorf("SetupRing with an unknown flag: %v, want EINVAL", err)
	}
}

// TestRingTimeout: Enter with a timeout and nothing to complete returns
// ETIME, and no completion.
func TestRingTimeout(t *testing.T) {
	r := testRing(t, serverFlags...)
	start := time.Now()
	err := r.Enter(true, 20*time.Millisecond)
	for err == unix.EINTR {
		err = r.Enter(true, 20*time.Millisecond)
	}
	if err != unix.ETIME {
		t.Fatalf("Enter: %v after %v, want ETIME", err, time.Since(start))
	}
	if n := r.Completions(func(*CQE) {}); n != 0 {
		t.Fatalf("%d completions, want none", n)
	}
}

// TestRingServe is a server's life on one ring: a multishot accept takes two
// connections, a multishot recv reads from provided buffers, a send answers,
// and the client's close ends the recv with Res 0 and no CQEFMore.
func TestRingServe(t *testing.T) {
	r := testRing(t, serverFlags...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	lf, _ := ln.(*net.TCPListener).File()
	defer lf.Close()
	bufs, err := r.SetupBufRing(1, 8, 64)
	if err != nil {
		t.Fatal(err)
	}
	defer bufs.Close()

	mustSQE(t, r).PrepAcceptMultishot(int(lf.Fd()), unix.SOCK_CLOEXEC, 1)
	c1, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	c2, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	var fds []int
	for _, c := range waitCQEs(t, r, 2) {
		if c.UserData != 1 || c.Res < 0 || !c.More() {
			t.Fatalf("accept: %+v (%v)", c, c.Err())
		}
		fds = append(fds, int(c.Res))
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	peer, err := PeerName(fds[0])
	if err != nil || Sock_ntop(peer) != c1.LocalAddr().String() {
		t.Errorf("PeerName: %v, %v; want %s", Sock_ntop(peer), err, c1.LocalAddr())
	}

	mustSQE(t, r).PrepRecvMultishot(fds[0], bufs.Group, 2)
	if _, err := c1.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	c := waitCQEs(t, r, 1)[0]
	bid, ok := c.Buffer()
	if c.UserData != 2 || c.Res != 6 || !ok || !c.More() {
		t.Fatalf("recv: %+v (%v)", c, c.Err())
	}
	if got := string(bufs.Buf(bid, int(c.Res))); got != "hello\n" {
		t.Fatalf("recv: %q", got)
	}
	bufs.Recycle(bid)

	reply := []byte("world\n") // the test waits for the CQE: it stays put till then
	mustSQE(t, r).PrepSend(fds[0], reply, unix.MSG_NOSIGNAL, 3)
	if c := waitCQEs(t, r, 1)[0]; c.UserData != 3 || c.Res != 6 {
		t.Fatalf("send: %+v (%v)", c, c.Err())
	}
	got := make([]byte, 6)
	if _, err := c1.Read(got); err != nil || string(got) != "world\n" {
		t.Fatalf("client read %q, %v", got, err)
	}

	var reply2 Reply // head and body gathered in one sendmsg
	reply2.Start(Request{N: 3, HTTP: true, Close: true})
	head, _ := reply2.Parts()
	want := len(head) + 3
	mustSQE(t, r).PrepSendmsg(fds[0], reply2.Msghdr(), unix.MSG_NOSIGNAL, 4)
	if c := waitCQEs(t, r, 1)[0]; c.UserData != 4 || int(c.Res) != want {
		t.Fatalf("sendmsg: %+v (%v), want Res %d", c, c.Err(), want)
	}
	got = make([]byte, want)
	if _, err := io.ReadFull(c1, got); err != nil || string(got) != string(head)+"\x00\x00\x00" {
		t.Fatalf("client read %q, %v", got, err)
	}

	c1.Close()
	if c := waitCQEs(t, r, 1)[0]; c.UserData != 2 || c.Res != 0 || c.More() {
		t.Fatalf("recv at EOF: %+v, want Res 0 without CQEFMore", c)
	}
}

// TestRingNoBuffers: with its one buffer not given back, a multishot recv
// ends with ENOBUFS and no CQEFMore, leaving the data in the socket, and
// a cancel by descriptor ends a recv armed again with ECANCELED.
func TestRingNoBuffers(t *testing.T) {
	r := testRing(t, serverFlags...)
	a, b := tcpPair(t)
	bufs, err := r.SetupBufRing(7, 1, 64)
	if err != nil {
		t.Fatal(err)
	}
	defer bufs.Close()
	mustSQE(t, r).PrepRecvMultishot(a, bufs.Group, 1)
	unix.Write(b, []byte("one"))
	c := waitCQEs(t, r, 1)[0]
	bid, _ := c.Buffer()
	if c.Res != 3 || !c.More() {
		t.Fatalf("first recv: %+v (%v)", c, c.Err())
	}
	unix.Write(b, []byte("two"))
	if c := waitCQEs(t, r, 1)[0]; c.Err() != unix.ENOBUFS || c.More() {
		t.Fatalf("recv with no buffer: %+v (%v), want ENOBUFS, no CQEFMore", c, c.Err())
	}
	bufs.Recycle(bid)
	mustSQE(t, r).PrepRecvMultishot(a, bufs.Group, 2)
	c = waitCQEs(t, r, 1)[0]
	bid, _ = c.Buffer()
	if got := string(bufs.Buf(bid, int(max(c.Res, 0)))); got != "two" {
		t.Fatalf("recv again: %+v %q, want the data left behind", c, got)
	}
	mustSQE(t, r).PrepCancelFd(a, 3)
	if c := waitCQEs(t, r, 1)[0]; c.UserData != 2 || c.Err() != unix.ECANCELED || c.More() {
		t.Fatalf("after cancel: %+v (%v), want the recv's ECANCELED", c, c.Err())
	}
}

// TestPeerNameAfterReset: once the peer has reset the connection,
// getpeername says ENOTCONN and PeerName still names it.
func TestPeerNameAfterReset(t *testing.T) {
	a, b := tcpPair(t)
	want, err := unix.Getsockname(b)
	if err != nil {
		t.Fatal(err)
	}
	unix.SetsockoptLinger(b, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1})
	unix.Close(b) // RST
	buf := make([]byte, 1)
	if _, err := unix.Read(a, buf); err != unix.ECONNRESET {
		t.Fatalf("read after reset: %v, want ECONNRESET", err)
	}
	if _, err := unix.Getpeername(a); err != unix.ENOTCONN {
		t.Logf("getpeername after reset: %v (this kernel differs)", err)
	}
	got, err := PeerName(a)
	if err != nil || Sock_ntop(got) != Sock_ntop(want) {
		t.Fatalf("PeerName after reset: %s, %v; want %s", Sock_ntop(got), err, Sock_ntop(want))
	}
}

// tcpPair returns the two ends of a loopback TCP connection as raw
// blocking descriptors, closed when the test ends.
func tcpPair(t *testing.T) (server, client int) {
	t.Helper()
	lfd, err := listenOn(netip.MustParseAddrPort("127.0.0.1:0"), false, true)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(lfd)
	sa, _ := unix.Getsockname(lfd)
	client, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Connect(client, sa); err != nil {
		t.Fatal(err)
	}
	server, _, err = accept4(lfd, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(server); unix.Close(client) })
	return server, client
}

// TestRingOtherThread: a ring set up with SetupSingleIssuer answers
// EEXIST to another thread, which is why its goroutine locks its thread.
func TestRingOtherThread(t *testing.T) {
	r := testRing(t, SetupSingleIssuer)
	if r.Flags&SetupSingleIssuer == 0 {
		t.Skipf("no SINGLE_ISSUER on this kernel (flags %s)", r.FlagNames())
	}
	errc := make(chan error)
	go func() {
		runtime.LockOSThread() // a thread of its own, never the test's
		_, err := r.SetupBufRing(3, 1, 64)
		errc <- err
	}()
	if err := <-errc; !errors.Is(err, unix.EEXIST) {
		t.Fatalf("SetupBufRing from another thread: %v, want EEXIST", err)
	}
	if err := r.Enter(false, 0); err != nil {
		t.Fatalf("Enter from the ring's own thread: %v", err)
	}
}
