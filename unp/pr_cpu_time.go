package unp

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Pr_cpu_time prints the CPU time used by this process and by every child
// it has reaped: "user time = U, sys time = S" in seconds, as the book's
// pr_cpu_time (server/pr_cpu_time.c, section 30.5). RUSAGE_CHILDREN counts
// only children that have been waited for, so reap them first.
func Pr_cpu_time() {
	var self, children unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &self); err != nil {
		Err_sys(err, "getrusage error")
	}
	if err := unix.Getrusage(unix.RUSAGE_CHILDREN, &children); err != nil {
		Err_sys(err, "getrusage error")
	}
	user := seconds(self.Utime) + seconds(children.Utime)
	sys := seconds(self.Stime) + seconds(children.Stime)
	fmt.Print("\n" + cpuLine(user, sys) + "\n")
}

// cpuLine formats the book's line as C's printf does. C's %g means six
// significant digits (0.098034); Go's %g alone means as many as it takes
// to give the float back exactly (0.09803400000000001), hence %.6g, which
// also switches to an exponent where C's does (1.23457e+06).
func cpuLine(user, sys float64) string {
	return fmt.Sprintf("user time = %.6g, sys time = %.6g", user, sys)
}

func seconds(tv unix.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}
