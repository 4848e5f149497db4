package unp

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// threadIO returns the read(2) and write(2) family calls made so far by the
// calling thread (syscr and syscw of /proc/thread-self/io).
func threadIO(t *testing.T) (reads, writes int) {
	data, err := os.ReadFile("/proc/thread-self/io")
	if err != nil {
		t.Skipf("no per-thread I/O accounting: %v", err)
	}
	for line := range bytes.Lines(data) {
		k, v, _ := bytes.Cut(bytes.TrimSpace(line), []byte(": "))
		n, _ := strconv.Atoi(string(v))
		switch string(k) {
		case "syscr":
			reads = n
		case "syscw":
			writes = n
		}
	}
	return reads, writes
}

// TestWebChildSyscalls pins down the cost of a request: one read(2) for the
// request line and one write(2) for the reply, and one last read for EOF.
// The client sends each request only after the previous reply, so no two
// requests can arrive in one read.
func TestWebChildSyscalls(t *testing.T) {
	t.Run("line", func(t *testing.T) { testWebChildSyscalls(t, "4000\n", 4000) })
	// Over HTTP the head and the body go out in one writev(2), which counts
	// as a write.
	t.Run("http", func(t *testing.T) {
		const head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n" +
			"Content-Length: 4000\r\n\r\n"
		testWebChildSyscalls(t, "GET /4000 HTTP/1.1\r\nHost: localhost\r\n\r\n", len(head)+4000)
	})
}

func testWebChildSyscalls(t *testing.T, request string, replyLen int) {
	const nrequests = 50
	a, b := socketpair(t)
	go func() {
		reply := make([]byte, replyLen)
		for range nrequests {
			Writen(a, []byte(request))
			Readn(a, reply)
		}
		unix.Shutdown(a, unix.SHUT_WR)
	}()

	runtime.LockOSThread() // count this thread's calls alone
	defer runtime.UnlockOSThread()
	rc0, _ := threadIO(t)
	r0, w0 := threadIO(t)
	self := r0 - rc0 // what reading /proc/thread-self/io itself costs
	err := Web_child(b)
	r1, w1 := threadIO(t)
	if err != nil {
		t.Fatal(err)
	}
	// A call interrupted by a signal counts too, and on a socket with
	// SO_RCVTIMEO or SO_SNDTIMEO the kernel does not restart it but returns
	// EINTR (signal(7)); the Go runtime's preemption signal can land on this
	// thread. Allow a few such retries: a second call per request would
	// still show as dozens.
	const slack = 3
	reads, writes := r1-r0-self, w1-w0
	if reads < nrequests+1 || reads > nrequests+1+slack || writes < nrequests || writes > nrequests+slack {
		t.Errorf("%d requests took %d reads and %d writes, want %d and %d",
			nrequests, reads, writes, nrequests+1, nrequests)
	}
}

// threadSyscalls starts counting the system calls of the calling thread,
// which must be locked to its goroutine, with the kernel's tracepoint at
// every call's entry (perf_event_open(2)); read returns the count so far.
func threadSyscalls(t *testing.T) (read func() uint64) {
	var id uint64
	var err error
	for _, dir := range []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"} {
		var b []byte
		if b, err = os.ReadFile(dir + "/events/raw_syscalls/sys_enter/id"); err == nil {
			id, err = strconv.ParseUint(string(bytes.TrimSpace(b)), 10, 64)
			break
		}
	}
	if err != nil {
		t.Skipf("no system call tracepoint (tracefs): %v", err)
	}
	attr := unix.PerfEventAttr{Type: unix.PERF_TYPE_TRACEPOINT, Config: id,
		Size: uint32(unsafe.Sizeof(unix.PerfEventAttr{}))}
	fd, err := unix.PerfEventOpen(&attr, 0, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		t.Skipf("perf_event_open: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return func() uint64 {
		var b [8]byte
		if n, err := unix.Read(fd, b[:]); n != 8 {
			t.Fatalf("reading the counter: %d bytes, %v", n, err)
		}
		return *(*uint64)(unsafe.Pointer(&b[0]))
	}
}

// TestMutexSyscalls: taken and released with no one else about, the
// process-shared mutex makes no system call, as glibc's does not: no
// gettid (the owner thread's ID is kept), no futex wake (no one waits).
// The first call picks the thread (gettid, set_robust_list) and is left
// out.
func TestMutexSyscalls(t *testing.T) {
	lock := NewSharedMutex()
	defer unix.Close(lock.Fd())
	// Counting is per thread: wire the goroutine to it for the test; the
	// thread ends with the test.
	runtime.LockOSThread()
	lock.My_lock_wait()
	lock.My_lock_release()
	read := threadSyscalls(t)
	const n = 1000
	before := read()
	after := read()
	for range n {
		lock.My_lock_wait()
		lock.My_lock_release()
	}
	calls := read() - after - (after - before) // less one read's own
	if calls > 5 {                             // a preemption signal's rt_sigreturn, say
		t.Errorf("%d lock-release pairs made %d system calls, want none", n, calls)
	}
}
