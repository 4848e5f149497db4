package unp

import (
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkFork measures what serv01-fork pays per connection on top of the
// book's fork(2): one Fork of a child that exits at once (this test binary,
// re-executed in role "exit", which does nothing) and the wait for it, which
// must find it exited 0. It reports the
// children's CPU time per Fork too, from RUSAGE_CHILDREN.
func BenchmarkFork(b *testing.B) {
	var before, after unix.Rusage
	unix.Getrusage(unix.RUSAGE_CHILDREN, &before)
	for b.Loop() {
		pid, err := Fork("exit", []string{"-test.run=^$"})
		if err != nil {
			b.Fatal(err)
		}
		var ws unix.WaitStatus
		for {
			if _, err = unix.Wait4(pid, &ws, 0, nil); err != unix.EINTR {
				break
			}
		}
		if err != nil {
			b.Fatal(err)
		}
		if !ws.Exited() || ws.ExitStatus() != 0 {
			b.Fatalf("child exited with status %v, want 0", ws)
		}
	}
	unix.Getrusage(unix.RUSAGE_CHILDREN, &after)
	cpu := seconds(after.Utime) + seconds(after.Stime) - seconds(before.Utime) - seconds(before.Stime)
	b.ReportMetric(cpu*1e3/float64(b.N), "child-cpu-ms/op")
}
