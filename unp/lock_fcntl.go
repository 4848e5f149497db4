package unp

import (
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// A Lock is what serv03 and serv04 hold around accept: the book's
// my_lock_wait and my_lock_release (server/lock_fcntl.c,
// server/lock_pthread.c, sections 30.7 and 30.8). The parent creates it
// with My_lock_init or NewSharedMutex and passes Fd to each child with Fork;
// the child opens its own handle on the same lock with OpenFileLock or
// OpenSharedMutex. The two servers differ only in those two calls.
type Lock interface {
	// My_lock_wait blocks until this process holds the lock.
	My_lock_wait()
	// My_lock_release releases it.
	My_lock_release()
	// Fd is the descriptor a child must inherit to share the lock.
	Fd() int
}

// fcntlLock is a POSIX record lock (fcntl F_SETLKW) on a whole file.
type fcntlLock struct {
	fd               int
	lockIt, unlockIt unix.Flock_t
}

// My_lock_init creates the book's file lock: a temporary file made from
// pathname (a mkstemp template such as "/tmp/lock.XXXXXX"), unlinked at
// once so nothing is left behind, its descriptor kept open for the
// children to inherit. It exits through Err_sys if it cannot.
//
// Why fcntl and not flock(2) or an OFD lock: those belong to the open file
// description, which a descriptor inherited across fork or exec shares with
// the parent and every sibling, so each child would find the lock "already
// held by itself" and none would ever wait. An fcntl record lock belongs to
// the process, so siblings exclude each other as the book needs, and the
// kernel releases it when its holder dies — a killed child cannot leave it
// locked.
func My_lock_init(pathname string) Lock {
	// mkstemp's XXXXXX is os.CreateTemp's *
	dir, base := filepath.Split(pathname)
	f, err := os.CreateTemp(dir, strings.TrimRight(base, "X")+"*")
	if err != nil {
		Err_sys(err, "my_lock_init")
	}
	os.Remove(f.Name()) // but the descriptor remains open
	fd, err := unix.Dup(int(f.Fd()))
	f.Close() // the os.File's finalizer would close a descriptor we keep
	if err != nil {
		Err_sys(err, "my_lock_init: dup")
	}
	return OpenFileLock(fd)
}

// OpenFileLock returns the file lock whose descriptor a child inherited.
func OpenFileLock(fd int) Lock {
	l := &fcntlLock{fd: fd}
	l.lockIt = unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0} // whole file
	l.unlockIt = unix.Flock_t{Type: unix.F_UNLCK, Whence: 0, Start: 0, Len: 0}
	return l
}

// Fd is the lock file's descriptor, for the children to inherit.
func (l *fcntlLock) Fd() int { return l.fd }

// My_lock_wait takes a write lock on the whole file, F_SETLKW, sleeping in
// the kernel while another process holds it: the book's my_lock_wait.
func (l *fcntlLock) My_lock_wait() {
	for {
		err := unix.FcntlFlock(uintptr(l.fd), unix.F_SETLKW, &l.lockIt)
		if err == nil {
			return
		}
		if err != unix.EINTR {
			Err_sys(err, "fcntl error for my_lock_wait")
		}
	}
}

// My_lock_release unlocks the file: the book's my_lock_release, with the
// book's F_SETLKW, though an unlock never has to wait and F_SETLK would do
// the same.
func (l *fcntlLock) My_lock_release() {
	if err := unix.FcntlFlock(uintptr(l.fd), unix.F_SETLKW, &l.unlockIt); err != nil {
		Err_sys(err, "fcntl error for my_lock_release")
	}
}
