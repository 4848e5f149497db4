package unp

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The book's serv04 puts a pthread mutex with PTHREAD_PROCESS_SHARED in a
// page of /dev/zero mapped MAP_SHARED before fork, so every child sees the
// same mutex. Go has neither fork nor a process-shared mutex, so this is the
// mutex glibc builds underneath, written out: a 32-bit futex word in a memfd
// page that every child maps (MAP_ANONYMOUS memory would not survive exec),
// locked with compare-and-swap and slept on with futex(2) *without*
// FUTEX_PRIVATE_FLAG, because the waiters are in different processes.
//
// Robustness. A child killed while it holds the mutex — in serv04 the holder
// is the child asleep in accept, so any SIGKILL may hit it — would otherwise
// leave every sibling asleep forever. The kernel's robust futex list
// (set_robust_list(2), Documentation/locking/robust-futexes.rst) prevents
// that: the word holds the owner's thread ID, each thread registers a list
// of the robust locks it holds, and when a thread dies the kernel walks its
// list, marks each lock it still owns FUTEX_OWNER_DIED and wakes a waiter,
// which takes the lock over. This is what pthread_mutexattr_setrobust gives
// C programs.
//
// Departure: the mutex is robust, where the book's (lock_pthread.c) is not:
// when a holder dies, a waiter takes the mutex over and says so in one line,
// instead of every sibling sleeping for ever.

// Bits of a robust futex word (linux/futex.h).
const (
	futexWaiters   = 0x80000000
	futexOwnerDied = 0x40000000
	futexTIDMask   = 0x3fffffff

	futexWait = 0 // FUTEX_WAIT, shared: no FUTEX_PRIVATE_FLAG
	futexWake = 1 // FUTEX_WAKE
)

// The shared page: a struct robust_list entry, then the futex word, at the
// fixed distance the kernel is told (futex_offset), as glibc lays out a
// robust pthread_mutex_t.
const (
	entryOff    = 0 // struct robust_list { struct robust_list *next; }
	wordOff     = 8 // the futex word
	futexOffset = wordOff - entryOff
)

// robustHead is struct robust_list_head: one per OS thread, registered with
// set_robust_list(2) by the thread itself. Addresses are uintptr so that
// the garbage collector neither follows nor moves them.
type robustHead struct {
	next          uintptr // the list: head -> entry -> head, or head -> head
	futexOffset   int64
	listOpPending uintptr
}

var (
	headsMu sync.Mutex
	heads   = map[int]*robustHead{} // by thread ID; never freed, so the kernel's pointers stay good
)

// threadHead returns the robust list head of thread tid, registering it on
// first use. The caller must be thread tid, its goroutine locked to it.
func threadHead(tid int) *robustHead {
	headsMu.Lock()
	defer headsMu.Unlock()
	if h, ok := heads[tid]; ok {
		return h
	}
	h := &robustHead{futexOffset: futexOffset}
	h.next = uintptr(unsafe.Pointer(h))
	_, _, e := unix.RawSyscall(unix.SYS_SET_ROBUST_LIST, uintptr(unsafe.Pointer(h)),
		unsafe.Sizeof(*h), 0)
	if e != 0 {
		Err_sys(e, "set_robust_list")
	}
	heads[tid] = h
	return h
}

// mutexLock is the process-shared robust mutex, as one process sees it.
type mutexLock struct {
	fd    int
	mem   []byte
	word  *uint32
	entry *uintptr // the robust_list entry in the shared page
	// The thread that takes the mutex in this process, once bound: its ID,
	// which the word holds while it does, and its robust list.
	tid  uint32
	head *robustHead
}

// NewSharedMutex creates the book's process-shared mutex (lock_pthread.c,
// section 30.8): a futex word in a fresh memfd page, unlocked. Pass Fd to
// the children; each opens it with OpenSharedMutex. It exits through Err_sys
// if it cannot.
func NewSharedMutex() Lock {
	fd, err := unix.MemfdCreate("unp-mutex", unix.MFD_CLOEXEC)
	if err != nil {
		Err_sys(err, "memfd_create")
	}
	if err := unix.Ftruncate(fd, int64(unix.Getpagesize())); err != nil {
		Err_sys(err, "ftruncate")
	}
	return OpenSharedMutex(fd)
}

// OpenSharedMutex maps the mutex whose memfd a child inherited at fd.
func OpenSharedMutex(fd int) Lock {
	mem, err := unix.Mmap(fd, 0, unix.Getpagesize(), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		Err_sys(err, "mmap")
	}
	return &mutexLock{
		fd:    fd,
		mem:   mem,
		word:  (*uint32)(unsafe.Pointer(&mem[wordOff])),
		entry: (*uintptr)(unsafe.Pointer(&mem[entryOff])),
	}
}

// Fd is the memfd holding the mutex's page, for the children to inherit.
func (m *mutexLock) Fd() int { return m.fd }

// My_lock_wait takes the mutex. In each process one goroutine takes it:
// the book's child, a single thread.
//
// Which thread the word names. glibc writes the ID of the thread that runs
// the locking code, which it reads from the thread's own memory for free.
// Go gives a program no such memory: asking the kernel (gettid) on every
// call would cost a system call per connection, and wiring the goroutine
// to its thread for good (runtime.LockOSThread) costs more, because every
// time the scheduler takes a wired goroutine off its thread, the thread
// must hand its processor to another one and be woken back (futex calls
// and context switches; see sched.go for why a child passes through the
// scheduler at all). But the kernel asks less of the word than glibc
// gives: when a thread exits it looks, in that thread's robust list, for
// locks whose word holds that thread's ID. Any one thread of the process
// will do as the owner, then, if its list holds the lock and it lives as
// long as the process. So the first call picks the thread it runs on,
// registers that thread's list, and lets the goroutine go: every later
// call, on whatever thread, writes that ID and keeps that list. The Go
// runtime keeps its idle threads and ends one only when a goroutine exits
// still wired to it (runtime.LockOSThread), which bind never leaves, so
// the picked thread dies with the process, and a SIGKILL, which ends
// every thread of the process, still lets the kernel find and free the
// lock.
//
// Departure: glibc's robust mutex, had lock_pthread.c asked for one, names
// the thread that took it. Here it
// names the process, in the person of one of its threads; the mutex is
// still one that a second goroutine of the same process must not take.
func (m *mutexLock) My_lock_wait() {
	if m.head == nil {
		m.bind()
	}
	h, tid := m.head, m.tid
	// If we die mid-acquire, the kernel still looks here.
	h.listOpPending = uintptr(unsafe.Pointer(m.entry))
	waited := false
	for {
		v := atomic.LoadUint32(m.word)
		if v&futexTIDMask == 0 { // free, or its owner died
			// Once we have slept, others may be asleep too: keep the
			// waiters bit so that our release wakes one.
			nv := tid
			if waited || v&(futexWaiters|futexOwnerDied) != 0 {
				nv |= futexWaiters
			}
			if atomic.CompareAndSwapUint32(m.word, v, nv) {
				if v&futexOwnerDied != 0 {
					Err_msg("mutex: previous owner died holding it; recovered")
				}
				break
			}
			continue
		}
		if v&futexWaiters == 0 && !atomic.CompareAndSwapUint32(m.word, v, v|futexWaiters) {
			continue
		}
		m.futex(futexWait, v|futexWaiters) // EINTR, EAGAIN: just look again
		waited = true
	}
	*m.entry = uintptr(unsafe.Pointer(h)) // entry -> head: the list's end
	h.next = uintptr(unsafe.Pointer(m.entry))
	h.listOpPending = 0
}

// bind picks the thread the calling goroutine runs on as the mutex's owner
// in this process: it keeps the thread's ID and registers the thread's
// robust list, which set_robust_list(2) does only for the calling thread,
// so the goroutine is wired to the thread for that long and no longer.
func (m *mutexLock) bind() {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	m.tid = uint32(unix.Gettid())
	m.head = threadHead(int(m.tid))
}

// My_lock_release unlocks the mutex and wakes one waiter, if the word says
// one may be asleep (FUTEX_WAITERS, which a waiter sets before it sleeps):
// as glibc, no futex call when no one waits.
func (m *mutexLock) My_lock_release() {
	h := m.head
	h.listOpPending = uintptr(unsafe.Pointer(m.entry))
	h.next = uintptr(unsafe.Pointer(h)) // unlink before the word says "free"
	if atomic.SwapUint32(m.word, 0)&futexWaiters != 0 {
		m.futex(futexWake, 1)
	}
	h.listOpPending = 0
}

func (m *mutexLock) futex(op int, val uint32) {
	unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(m.word)), uintptr(op),
		uintptr(val), 0, 0, 0)
}
