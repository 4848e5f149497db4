package unp

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// Every process and every thread counts against RLIMIT_NPROC, for all the
// processes of a user together (the kernel counts tasks per real user ID).
// A Go program that cannot create an OS thread when it needs one does not
// fail a call: its runtime ends the whole process ("fatal error:
// newosproc"), and no code can catch that. So a design that starts a
// process or a blocked thread per client must stop short of the limit
// itself, and leave the rest of its clients in the listen queue.

// ThreadBudget returns how many more tasks (processes or threads) the
// calling process's user may start under RLIMIT_NPROC, and the limit; or
// -1, -1 if the limit does not bind this process: it is infinite, or the
// real user is root, whom the kernel exempts.
func ThreadBudget() (left, limit int) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NPROC, &rl); err != nil ||
		rl.Cur == unix.RLIM_INFINITY || unix.Getuid() == 0 {
		return -1, -1
	}
	return int(rl.Cur) - userTasks(unix.Getuid()), int(rl.Cur)
}

// userTasks counts the tasks of the processes whose real user is uid: the
// Threads line of each /proc/PID/status whose Uid line begins with it.
func userTasks(uid int) int {
	paths, _ := filepath.Glob("/proc/[0-9]*/status")
	n := 0
	want := []byte(strconv.Itoa(uid))
	for _, p := range paths {
		status, err := os.ReadFile(p)
		if err != nil {
			continue // gone meanwhile
		}
		var real []byte
		threads := 0
		sc := bufio.NewScanner(bytes.NewReader(status))
		for sc.Scan() {
			if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("Uid:")); ok {
				if f := bytes.Fields(v); len(f) > 0 {
					real = f[0]
				}
			} else if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("Threads:")); ok {
				threads, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
			}
		}
		if bytes.Equal(real, want) {
			n += threads
		}
	}
	return n
}

// Tasks a preforked Go child may use, counted against RLIMIT_NPROC: its
// main thread, the runtime's monitor (sysmon), and up to two the runtime
// starts to run its scheduler while the main thread is blocked in the
// kernel; and the tasks kept for a parent's own runtime.
const (
	ChildThreads  = 4
	ParentThreads = 16
)

// PoolFits quits at start-up, with one line that says why, if RLIMIT_NPROC
// leaves this user fewer than need more tasks. A pool that cannot be
// started in full fails later instead, at a fork, or at a thread the
// runtime wants, and there the runtime ends the process.
func PoolFits(need int, what string) {
	left, limit := ThreadBudget()
	if limit >= 0 && need > left {
		Err_quit("%s need about %d tasks, and RLIMIT_NPROC %d leaves %d", what, need, limit, left)
	}
}
