package lab

import (
	"runtime"
	"sync"
)

// The kernel ties PR_SET_PDEATHSIG to the thread that forked, not to the
// process, and the Go runtime may end threads. So every Start forks from
// one goroutine locked to its OS thread for the life of the process: the
// trap CONTRACT.md describes for unp.Fork, which has its own such goroutine.
var (
	starterOnce sync.Once
	starts      = make(chan func())
)

// onStarter runs f on the starter thread and returns when f has.
func onStarter(f func()) {
	starterOnce.Do(func() {
		go func() {
			runtime.LockOSThread() // never unlocked
			for f := range starts {
				f()
			}
		}()
	})
	done := make(chan struct{})
	starts <- func() { f(); close(done) }
	<-done
}
