package unp

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// A Backoff paces a loop whose call keeps failing for want of a resource:
// accept(2) with EMFILE or ENFILE (out of descriptors), ENOBUFS or ENOMEM;
// fork with EAGAIN (out of processes). Such a call fails again at once if
// retried at once: EMFILE leaves the connection in the listen queue, so the
// listener stays readable and a loop that logs and retries spins at 100% of
// a core, writing a line per turn. A Backoff says so once and waits.
//
// The caller reports each failure with Failed and pauses for the duration it
// returns, 5 ms at first and doubling up to 500 ms, as Go's net/http does
// for accept (it stops at 1 s) and nginx, which stops accepting for 500 ms.
// The loop then serves the connections it already has and tries again soon
// after descriptors free up. The line is written at most once a second,
// with a count of the failures since the last one, and Succeeded ends the
// episode with one more.
//
// Departure: the book's Accept (lib/wrapsock.c) retries only ECONNABORTED
// and EPROTO and ends the calling process on any other error (the server,
// or in serv02 to serv04 one child); here EMFILE and the like are waited
// out.
//
// A Backoff may be shared by the goroutines of one process.
type Backoff struct {
	What string // what fails, for the log line: "accept", "fork"

	failing atomic.Bool // a failure in the last backoffEvery: Succeeded's fast path
	mu      sync.Mutex
	pause   time.Duration // the next pause; 0 after a success
	since   time.Time     // when the episode began
	last    time.Time     // the latest failure
	logged  time.Time     // when the last line was written
	missed  int           // failures since that line
	total   int           // failures in the episode
}

// A Backoff's pause is a runtime timer, and the runtime creates its
// netpoller (an epoll descriptor and an eventfd) for the first timer a
// process makes. A process that uses no timer before it runs out of
// descriptors would make its first one in its first pause, and there
// epoll_create fails with EMFILE and the runtime ends the process ("fatal
// error: runtime: netpollinit failed"), which torture's descriptor fault
// found in serv02, serv03, serv04 and serv09. So every process that will
// loop on accept makes one while it still has descriptors: Ready (every
// server, parent or not) and PoolChild (every preforked child) call
// reserveTimers. A serv01 child, which serves one client and exits, does
// not pay for it.
var reserveTimers = sync.OnceFunc(func() { time.AfterFunc(time.Hour, func() {}).Stop() })

// Bounds of a Backoff's pause, and how often it may write a line.
const (
	backoffMin   = 5 * time.Millisecond
	backoffMax   = 500 * time.Millisecond
	backoffEvery = time.Second
)

// Failed records a failure, logs it if no line has been written in the last
// second, and returns how long the caller should wait before trying again.
func (b *Backoff) Failed(err error) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if !b.failing.Load() {
		b.since, b.total = now, 0
		b.failing.Store(true)
	}
	b.pause = min(max(2*b.pause, backoffMin), backoffMax)
	b.last = now
	b.total++
	b.missed++
	if now.Sub(b.logged) >= backoffEvery {
		msg := fmt.Sprintf("%s: %v", b.What, err)
		if b.missed > 1 {
			msg += fmt.Sprintf(" (%d times in %.1fs)", b.missed, now.Sub(b.logged).Seconds())
		}
		Err_msg("%s; backing off", msg)
		b.logged, b.missed = now, 0
	}
	return b.pause
}

// Succeeded records a success: the next failure pauses briefly again. Once
// a second has passed without a failure, the episode is over, and it says
// so in one line: how many failures there were, over how long. A success
// outside an episode costs one atomic load.
func (b *Backoff) Succeeded() {
	if !b.failing.Load() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pause = 0
	if !b.failing.Load() || time.Since(b.last) < backoffEvery {
		return // still flapping: Failed goes on counting
	}
	Err_msg("%s: working again after %d failures in %.1fs", b.What, b.total,
		b.last.Sub(b.since).Seconds())
	b.failing.Store(false)
	b.missed = 0
}
