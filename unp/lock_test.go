package unp

import (
	"strconv"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func init() {
	// count adds 1 to a shared counter, ntimes, under the lock:
	// args kind ntimes; fds: lock, counter page.
	childRoles["count"] = func(args []string) {
		lock := openLock(args[0], ChildFd(0))
		counter := sharedCounter(ChildFd(1))
		n, _ := strconv.Atoi(args[1])
		for range n {
			lock.My_lock_wait()
			v := *counter
			unix.Getppid() // a system call between load and store invites a race
			*counter = v + 1
			lock.My_lock_release()
		}
	}
	// hold takes the lock, says so on ChildFd(1), and sleeps holding it.
	childRoles["hold"] = func(args []string) {
		lock := openLock(args[0], ChildFd(0))
		lock.My_lock_wait()
		Writen(ChildFd(1), []byte{1})
		for {
			unix.Pause()
		}
	}
}

func openLock(kind string, fd int) Lock {
	if kind == "mutex" {
		return OpenSharedMutex(fd)
	}
	return OpenFileLock(fd)
}

func newLock(kind string) Lock {
	if kind == "mutex" {
		return NewSharedMutex()
	}
	return My_lock_init("/tmp/lock.XXXXXX")
}

// sharedCounter maps an int64 in the page of memfd fd.
func sharedCounter(fd int) *int64 {
	mem, err := unix.Mmap(fd, 0, 4096, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		Err_sys(err, "mmap")
	}
	return (*int64)(unsafe.Pointer(&mem[0]))
}

// TestLockExcludesSiblings: three child processes increment one counter in
// shared memory under the lock; no increment may be lost.
func TestLockExcludesSiblings(t *testing.T) {
	for _, kind := range []string{"fcntl", "mutex"} {
		t.Run(kind, func(t *testing.T) {
			lock := newLock(kind)
			defer unix.Close(lock.Fd())
			cfd, err := unix.MemfdCreate("counter", unix.MFD_CLOEXEC)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(cfd)
			unix.Ftruncate(cfd, 4096)
			const nchildren, ntimes = 3, 2000
			var pids []int
			for range nchildren {
				pids = append(pids, forkTest(t, "count", []string{kind, strconv.Itoa(ntimes)}, lock.Fd(), cfd))
			}
			for _, pid := range pids {
				waitOK(t, pid)
			}
			if got := *sharedCounter(cfd); got != nchildren*ntimes {
				t.Fatalf("counter = %d, want %d: the lock let siblings in together", got, nchildren*ntimes)
			}
		})
	}
}

// TestLockHolderKilled: a child takes the lock and is killed with SIGKILL
// while holding it; the parent must still get the lock. For fcntl the kernel
// drops a dead process's record locks; the mutex relies on the robust list.
func TestLockHolderKilled(t *testing.T) {
	for _, kind := range []string{"fcntl", "mutex"} {
		t.Run(kind, func(t *testing.T) {
			lock := newLock(kind)
			defer unix.Close(lock.Fd())
			var p [2]int
			if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
				t.Fatal(err)
			}
			defer unix.Close(p[0])
			pid := forkTest(t, "hold", []string{kind}, lock.Fd(), p[1])
			unix.Close(p[1])
			if n, err := Readn(p[0], make([]byte, 1)); n != 1 {
				t.Fatalf("child never took the lock: %v", err)
			}
			unix.Kill(pid, unix.SIGKILL)
			var ws unix.WaitStatus
			unix.Wait4(pid, &ws, 0, nil)

			got := make(chan bool)
			go func() { lock.My_lock_wait(); lock.My_lock_release(); got <- true }()
			select {
			case <-got:
			case <-time.After(5 * time.Second):
				t.Fatal("the lock is still held 5 s after its holder was killed")
			}
		})
	}
}
