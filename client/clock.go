package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// An open-loop load stands or falls with its schedule: a connection
// started late is a gap in the load that the server never had to serve.
// Go's timers cannot keep it: the runtime sleeps in epoll_wait, whose
// timeout is in milliseconds, so time.Sleep(100 µs) returns about a
// millisecond later. A thread of our own asleep in clock_nanosleep(2) is
// precise, but it holds the runtime's processor while it sleeps, and the
// goroutines it wakes queue behind it until the runtime takes the
// processor back (sysmon, up to milliseconds later). So the schedule is
// kept with timerfd(2) set to absolute times on CLOCK_MONOTONIC, the
// kernel's timer, not the runtime's: the event loop of -rate and -conns
// (loop.go) has one in its epoll set, and the closed loop waits for the
// common start on the timer below, in the netpoller like any connection.
// CLOCK_MONOTONIC is one clock for every process of the machine, so the
// parent can hand all its children the same start time.
//
// How late the work actually started is measured, not assumed: it is the
// schedule lag of the report.

// monoNow reads CLOCK_MONOTONIC, in nanoseconds.
func monoNow() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// A clock converts time.Time, which the workers read cheaply (the vDSO, no
// system call) for their measurements, to CLOCK_MONOTONIC nanoseconds, in
// which the schedule is kept.
type clock struct {
	base     time.Time
	baseMono int64
}

func newClock() clock {
	a := monoNow()
	t := time.Now()
	b := monoNow()
	return clock{t, a + (b-a)/2}
}

func (c clock) toMono(t time.Time) int64 { return c.baseMono + int64(t.Sub(c.base)) }

// A timer sleeps to absolute CLOCK_MONOTONIC times.
type timer struct {
	fd  int
	f   *os.File // non-blocking, so reads wait in the netpoller
	clk clock
}

func newTimer(clk clock) (*timer, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("timerfd_create: %w", err)
	}
	return &timer{fd, os.NewFile(uintptr(fd), "timerfd"), clk}, nil
}

// sleepUntil returns when CLOCK_MONOTONIC reads mono or later; at once if
// it already does.
func (t *timer) sleepUntil(mono int64) {
	if mono <= t.clk.toMono(time.Now()) {
		return
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(mono)}
	if err := unix.TimerfdSettime(t.fd, unix.TFD_TIMER_ABSTIME, &spec, nil); err != nil {
		unp.Err_sys(err, "timerfd_settime")
	}
	var b [8]byte // the number of expirations
	if _, err := io.ReadFull(t.f, b[:]); err != nil {
		unp.Err_sys(err, "reading the timerfd")
	}
}
