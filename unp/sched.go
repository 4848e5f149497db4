package unp

import (
	"runtime"
	"sync/atomic"
	"time"
)

// A lesson about the Go runtime, and the cure for it that the process
// designs need (runtime/proc.go, sysmon and retake).
//
// A goroutine that makes a blocking system call keeps its processor (P)
// while it waits. The runtime's monitor thread, sysmon, looks at every P
// on each of its ticks (every 20 µs when it has lately had work, backing
// off to every 10 ms) and retakes the P of a goroutine in a system call,
// handing it to another thread, when
//
//   - there is no idle P and no spinning thread that could run other
//     goroutines instead (so with GOMAXPROCS=1 every call that spans two
//     ticks loses its P), or
//   - the call has lasted 10 ms, or
//   - the goroutine looks like a hog: its P has not been through the
//     scheduler for 10 ms (forcePreemptNS). Only schedule() moves that
//     clock, and a process whose one goroutine goes from system call to
//     system call never enters schedule(): once it is 10 ms old, sysmon
//     takes its P in every call it finds it in, however short.
//
// A retake costs the process what the book's C child never pays: handoffp
// wakes an idle thread (futex) to look for work, which finds none and
// sleeps again (futex); the goroutine, back from its call, must take a P
// from the idle list and wake sysmon, which then polls at its fastest rate
// (nanosleep) because it has just found work. That is the futex and
// nanosleep traffic per connection of the preforked children.
//
// So the pooled children get a second, idle P (see PoolChild), which keeps
// the first condition false, and schedPoint, called before each blocking
// wait for the next client, takes the goroutine through the scheduler when
// it has not been there for half of forcePreemptNS and the process is busy,
// which keeps the third one false. A call that really blocks for 10 ms
// still loses its P, and then both Ps are idle and sysmon sleeps until
// woken: an idle server costs nothing.
//
// It is a cure for a busy pool, and the bench shows its limit. A child of a
// pool much larger than its load waits longer than 10 ms for each client,
// loses its P in that wait whatever it does, and comes back a hog; there
// the spare P costs more hand-offs than it saves (bench/README.md, the
// sweep over the number of children). What would fit both is a scheduler
// that did not take a P from a goroutine that has nothing to compete with,
// which is the runtime's to change, not a server's.
//
// Built with -tags noschedpoint, a program has neither (sched_off.go): an
// experiment the bench's -runtime rows build beside each process design, to
// see the difference (bench/README.md has the two measured side by side).
// The servers as a user builds them read no switch for it.
//
// Departure: the book's children (child02.c, child03.c, child04.c) go
// straight to accept; its C has no scheduler between the process and the
// kernel, so it needs nothing like schedPoint.

// schedPointEvery is how long a goroutine may go without passing through
// the scheduler: half of the runtime's forcePreemptNS, so that sysmon never
// sees one schedtick on two ticks 10 ms apart while the server is busy.
const schedPointEvery = 5 * time.Millisecond

var (
	schedStart = time.Now() // origin of the monotonic clock below
	schedLast  atomic.Int64 // time.Since(schedStart) at the last yield
	schedPrev  atomic.Int64 // ... at the last call, yield or not
)

// schedPoint yields the processor (runtime.Gosched) if no caller has for
// schedPointEvery, and if the process is busy: its previous call was less
// than schedPointEvery ago. A yield with nothing else to run puts the
// goroutine on the run queue and takes it straight off again, but it costs
// a wake-up of the idle thread, so it is rationed by time, not made on
// every call; and it only pays while the process goes from one short wait
// to the next. A child of a large pool, whose waits for a client last
// longer than that, loses its processor in each of them anyway (sysmon
// retakes a call that has lasted 10 ms) and would pay for a yield per
// connection and gain nothing (the bench's sweep over the number of
// children shows it).
func schedPoint() {
	if !schedPointOn {
		return
	}
	now := int64(time.Since(schedStart))
	prev := schedPrev.Swap(now)
	if now-prev >= int64(schedPointEvery) || now-schedLast.Load() < int64(schedPointEvery) {
		return
	}
	schedLast.Store(now)
	runtime.Gosched()
}
