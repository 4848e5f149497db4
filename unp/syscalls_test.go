package unp

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"testing"

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
	const nrequests = 50
	a, b := socketpair(t)
	go func() {
		reply := make([]byte, 4000)
		for range nrequests {
			Writen(a, []byte("4000\n"))
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
