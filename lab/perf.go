package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The kernel's own counters (perf_event_open(2)) over a server's process
// tree: how many system calls it made, how often its threads were switched
// out, how many page faults they took, how much CPU they used. Counting
// costs the counted threads almost nothing (a counter bumped in the kernel,
// no sample written), unlike strace, whose stop at every call changes the
// very timing that decides how often the Go runtime sleeps and wakes.
//
// A counter opened on one thread with inherit set also counts every thread
// and process that thread makes afterwards, and when one of those exits,
// the kernel adds what it counted to the counter it came from. So one
// counter per thread that exists when counting starts, read after the
// server has exited and reaped its children, covers the whole tree: the
// children made and the threads started later too.

// An Event is one kernel counter: a perf event type and config.
type Event struct {
	Name   string // as perf(1) names it: "page-faults", "raw_syscalls:sys_enter"
	Type   uint32 // PERF_TYPE_*
	Config uint64
	// Filter, for a tracepoint, counts only the hits whose fields match
	// it, in tracefs' filter language (perf's --filter): "op & 128".
	Filter string
}

// The software events, counted by the kernel on every system.
var (
	ContextSwitches = Event{Name: "context-switches", Type: unix.PERF_TYPE_SOFTWARE,
		Config: unix.PERF_COUNT_SW_CONTEXT_SWITCHES}
	PageFaults = Event{Name: "page-faults", Type: unix.PERF_TYPE_SOFTWARE,
		Config: unix.PERF_COUNT_SW_PAGE_FAULTS}
	TaskClock = Event{Name: "task-clock", Type: unix.PERF_TYPE_SOFTWARE,
		Config: unix.PERF_COUNT_SW_TASK_CLOCK}
)

// tracingDirs are where tracefs may be mounted: its own place, and inside
// debugfs on older systems.
var tracingDirs = []string{"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}

// Tracepoint is the event of tracepoint name ("raw_syscalls:sys_enter",
// "syscalls:sys_enter_futex"), whose ID tracefs publishes. The error says
// why there is none: tracefs not mounted, no such tracepoint, not root.
func Tracepoint(name string) (Event, error) {
	sys, ev, ok := strings.Cut(name, ":")
	if !ok {
		return Event{}, fmt.Errorf("tracepoint %q: want SYSTEM:EVENT", name)
	}
	var errs []error
	for _, dir := range tracingDirs {
		b, err := os.ReadFile(filepath.Join(dir, "events", sys, ev, "id"))
		if err == nil {
			id, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
			if err != nil {
				return Event{}, fmt.Errorf("tracepoint %s: id %q", name, b)
			}
			return Event{Name: name, Type: unix.PERF_TYPE_TRACEPOINT, Config: id}, nil
		}
		if _, derr := os.Stat(filepath.Join(dir, "events")); derr != nil {
			err = fmt.Errorf("no tracefs at %s", dir)
		}
		errs = append(errs, err)
	}
	return Event{}, fmt.Errorf("tracepoint %s: %w (as root: mount -t tracefs nodev %s)",
		name, errors.Join(errs...), tracingDirs[0])
}

// Syscalls is the event that counts every system call: the tracepoint at
// the kernel's entry to each one.
func Syscalls() (Event, error) { return Tracepoint("raw_syscalls:sys_enter") }

// SyscallEvents are the tracepoints of the system calls named, those the
// kernel has; the errors name those it has not.
func SyscallEvents(names []string) ([]Event, error) {
	var evs []Event
	var errs []error
	for _, n := range names {
		ev, err := Tracepoint("syscalls:sys_enter_" + n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ev.Name = n
		evs = append(evs, ev)
	}
	return evs, errors.Join(errs...)
}

// The futex(2) operation's FUTEX_PRIVATE_FLAG, which tells the kernel the
// word is in one process's memory (linux/futex.h).
const futexPrivateFlag = 128

// FutexShared and FutexPrivate split the futex(2) calls in two by that
// flag: calls on a word that processes share (a process-shared lock, the
// book's serv04 mutex; glibc's and ours), and calls on a word within one
// process (the Go runtime's own locks and sleeps, glibc's for threads).
// The two add up to syscalls:sys_enter_futex.
func FutexShared() (Event, error) {
	return futexSplit("futex shared", fmt.Sprintf("!(op & %d)", futexPrivateFlag))
}

// FutexPrivate is FutexShared's other half.
func FutexPrivate() (Event, error) {
	return futexSplit("futex private", fmt.Sprintf("op & %d", futexPrivateFlag))
}

func futexSplit(name, filter string) (Event, error) {
	ev, err := Tracepoint("syscalls:sys_enter_futex")
	ev.Name, ev.Filter = name, filter
	return ev, err
}

// A Counters is a set of events counted over a process tree since Count.
type Counters struct {
	events  []Event
	fds     [][]int          // by event, one per thread
	missing map[string]error // by event name: why it is not counted
	tids    map[int]bool
	tidErr  error // a thread that could not be counted
}

// Count starts counting events over every thread of every process in
// process group pgid (a server that Start started, and its children),
// and whatever they start from now on. An event the kernel refuses
// (no permission, no such tracepoint) is left out, and Missing says why;
// Count fails only when no event can be counted at all. Close the
// Counters when done.
func Count(pgid int, events ...Event) (*Counters, error) {
	c := &Counters{events: events, fds: make([][]int, len(events)),
		missing: map[string]error{}, tids: map[int]bool{}}
	// A thread may start a thread or a process between the listing and
	// the counting: look again until a listing finds nothing new. (What
	// a counted thread starts is counted anyway.)
	for pass := 0; pass < 10; pass++ {
		fresh := 0
		for _, tid := range groupThreads(pgid) {
			if !c.tids[tid] {
				c.tids[tid] = true
				c.attach(tid)
				fresh++
			}
		}
		if fresh == 0 {
			break
		}
	}
	if len(c.missing) == len(events) {
		c.Close()
		return nil, fmt.Errorf("no counter: %v", c.Missing())
	}
	return c, nil
}

// attach opens one counter per event on thread tid.
func (c *Counters) attach(tid int) {
	for i, ev := range c.events {
		if c.missing[ev.Name] != nil {
			continue
		}
		attr := unix.PerfEventAttr{Type: ev.Type, Config: ev.Config,
			Size: uint32(unsafe.Sizeof(unix.PerfEventAttr{})), Bits: unix.PerfBitInherit}
		fd, err := unix.PerfEventOpen(&attr, tid, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
		if err == nil && ev.Filter != "" {
			if err = setFilter(fd, ev.Filter); err != nil {
				unix.Close(fd)
				err = fmt.Errorf("filter %q: %w", ev.Filter, err)
			}
		}
		switch {
		case err == nil:
			c.fds[i] = append(c.fds[i], fd)
		case err == unix.ESRCH: // the thread has exited: nothing of it to count
		case len(c.fds[i]) == 0: // the kernel refuses this event
			c.missing[ev.Name] = fmt.Errorf("perf_event_open %s: %w%s", ev.Name, err, hint(err))
		default: // a thread left out: this event's count would be short
			c.tidErr = fmt.Errorf("perf_event_open %s, thread %d: %w", ev.Name, tid, err)
		}
	}
}

// setFilter gives the tracepoint counter fd its filter
// (PERF_EVENT_IOC_SET_FILTER), which the kernel checks against the
// tracepoint's fields.
func setFilter(fd int, filter string) error {
	p, err := unix.BytePtrFromString(filter)
	if err != nil {
		return err
	}
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.PERF_EVENT_IOC_SET_FILTER,
		uintptr(unsafe.Pointer(p)))
	if e != 0 {
		return e
	}
	return nil
}

func hint(err error) string {
	switch err {
	case unix.EACCES, unix.EPERM:
		b, _ := os.ReadFile("/proc/sys/kernel/perf_event_paranoid")
		return fmt.Sprintf(" (perf_event_paranoid is %s; run as root or lower it)",
			strings.TrimSpace(string(b)))
	case unix.EMFILE:
		return " (too many descriptors: raise ulimit -n)"
	}
	return ""
}

// groupThreads lists every thread of every live process in group pgid.
func groupThreads(pgid int) []int {
	var tids []int
	for _, p := range Procs() {
		if p.Pgrp != pgid || p.State == 'Z' {
			continue
		}
		tids = append(tids, Threads(p.Pid)...)
	}
	return tids
}

// Threads lists the thread IDs of process pid, from /proc/PID/task.
func Threads(pid int) []int {
	entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	var tids []int
	for _, e := range entries {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids
}

// Threads is how many threads the counters were opened on.
func (c *Counters) Threads() int { return len(c.tids) }

// Missing says, by event name, why an event is not counted; it is empty
// when every event is. A thread that could not be counted for an event
// that others were makes that event missing too: its total would be short.
func (c *Counters) Missing() map[string]error {
	m := map[string]error{}
	for k, v := range c.missing {
		m[k] = v
	}
	if c.tidErr != nil {
		for i, ev := range c.events {
			if m[ev.Name] == nil && len(c.fds[i]) > 0 {
				m[ev.Name] = c.tidErr
			}
		}
	}
	return m
}

// Read returns each event's count by name, over every thread counted and
// all that they started, exited ones included; task-clock is in
// nanoseconds. Read after the server has exited and reaped its children,
// it is the whole tree's. Events that are missing are not in the map.
func (c *Counters) Read() (map[string]uint64, error) {
	missing := c.Missing()
	counts := map[string]uint64{}
	for i, ev := range c.events {
		if missing[ev.Name] != nil {
			continue
		}
		var sum uint64
		for _, fd := range c.fds[i] {
			var b [8]byte
			if n, err := unix.Read(fd, b[:]); err != nil || n != 8 {
				return nil, fmt.Errorf("reading counter %s: %d bytes, %v", ev.Name, n, err)
			}
			sum += *(*uint64)(unsafe.Pointer(&b[0]))
		}
		counts[ev.Name] = sum
	}
	return counts, nil
}

// Close closes every counter.
func (c *Counters) Close() {
	for _, fds := range c.fds {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}
	c.fds = nil
}

// Switches is the voluntary and involuntary context switches of every
// live thread in process group pgid, from the voluntary_ctxt_switches and
// nonvoluntary_ctxt_switches lines of /proc/PID/task/TID/status. The
// kernel counts the two kinds apart only there and in getrusage(2), whose
// ru_nvcsw and ru_nivcsw cover a process's exited threads and its reaped
// children too: the difference between the two, at the start and at the
// end, splits the context-switches counter into its kinds.
func Switches(pgid int) (vol, invol int64) {
	for _, p := range Procs() {
		if p.Pgrp != pgid || p.State == 'Z' {
			continue
		}
		for _, tid := range Threads(p.Pid) {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/status", p.Pid, tid))
			for line := range strings.Lines(string(b)) {
				k, v, _ := strings.Cut(line, ":")
				n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				switch k {
				case "voluntary_ctxt_switches":
					vol += n
				case "nonvoluntary_ctxt_switches":
					invol += n
				}
			}
		}
	}
	return vol, invol
}
