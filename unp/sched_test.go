package unp

import (
	"runtime"
	"testing"
	"time"
)

func init() {
	// gcwait is a pooled child whose one goroutine waits in Accept on the
	// listener at ChildFd(0), past the 10 ms after which sysmon takes it for
	// a hog, while a second goroutine collects garbage again and again and
	// then says so on ChildFd(1). The collector must stop the world, which
	// it can only do if the goroutine in accept has left its processor the
	// ordinary way (entersyscall). Made with a raw system call
	// (RawSyscall6) and with asynchronous preemption off
	// (GODEBUG=asyncpreemptoff=1), the accept keeps its processor and the
	// collector waits for a client: the test fails. Then the child serves
	// one client and exits.
	childRoles["gcwait"] = func(args []string) {
		PoolChild([]string{"0"})
		go func() {
			time.Sleep(20 * time.Millisecond) // Accept is waiting by now
			for range 20 {
				runtime.GC()
			}
			Writen(ChildFd(1), []byte("gc done\n"))
		}()
		connfd, _, err := Accept(ChildFd(0))
		if err != nil {
			Err_sys(err, "accept")
		}
		Writen(connfd, []byte("served\n"))
		Close(connfd)
	}
}

// A pooled child asleep in accept does not hold up the garbage collector of
// its own process, and still accepts afterwards.
func TestSchedPointKeepsGCRunning(t *testing.T) {
	l, port := listenLocal(t, "127.0.0.1")
	r, w := socketpair(t)
	pid := forkTest(t, "gcwait", nil, l, w)
	buf := make([]byte, 64)
	done := make(chan string, 1)
	go func() {
		n, _ := Readn(r, buf[:len("gc done\n")])
		done <- string(buf[:n])
	}()
	select {
	case got := <-done:
		if got != "gc done\n" {
			t.Fatalf("child said %q, want gc done", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("20 collections took over 10 s while the child waited in accept")
	}
	c, err := Tcp_connect("127.0.0.1", port)
	if err != nil {
		t.Fatal(err)
	}
	defer Close(c)
	if n, _ := Readn(c, buf[:len("served\n")]); string(buf[:n]) != "served\n" {
		t.Fatalf("child served %q", buf[:n])
	}
	waitOK(t, pid)
}
