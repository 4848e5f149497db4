package unpgo

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"unp-go.dev/lab"
)

func init() { commands["procstat"] = procstat }

// procstat [-fds N[+K]] [-maxfds N] [-minthreads N] [-maxthreads N] looks at
// the one process this scenario runs (its server, found by $WORK in its
// environment as noprocs does), prints
//
//	fds F, threads T
//
// (open descriptors in /proc/PID/fd, threads in /proc/PID/stat). Without
// flags it records them in $FDS and $THREADS; with flags it requires those
// bounds instead (-fds $FDS+2: two more descriptors than recorded), waiting
// up to 5 s for them to hold, since a server closes a connection only after
// its client has gone: a leak shows as a count that never comes back.
func procstat(ts *testscript.TestScript, neg bool, args []string) {
	fl := flag.NewFlagSet("procstat", flag.ContinueOnError)
	fdsExpr := fl.String("fds", "-1", "")
	maxfds := fl.Int("maxfds", -1, "")
	minthreads := fl.Int("minthreads", -1, "")
	maxthreads := fl.Int("maxthreads", -1, "")
	if err := fl.Parse(args); err != nil || fl.NArg() != 0 || neg {
		ts.Fatalf("usage: procstat [-fds N[+K]] [-maxfds N] [-minthreads N] [-maxthreads N]")
	}
	fds := new(int)
	for term := range strings.SplitSeq(*fdsExpr, "+") {
		n, err := strconv.Atoi(term)
		ts.Check(err)
		*fds += n
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		pids := scriptProcs(ts, "")
		if len(pids) != 1 {
			ts.Fatalf("procstat: want one process of this scenario, found %v", pids)
		}
		f, t := fdsThreads(ts, pids[0])
		ok := (*fds < 0 || f == *fds) && (*maxfds < 0 || f <= *maxfds) &&
			(*minthreads < 0 || t >= *minthreads) && (*maxthreads < 0 || t <= *maxthreads)
		if ok || time.Now().After(deadline) {
			fmt.Fprintf(ts.Stdout(), "fds %d, threads %d\n", f, t)
			if len(args) == 0 {
				ts.Setenv("FDS", strconv.Itoa(f))
				ts.Setenv("THREADS", strconv.Itoa(t))
			}
			if !ok {
				ts.Fatalf("procstat: fds %d, threads %d out of bounds %v", f, t, args)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fdsThreads counts pid's open descriptors and threads.
func fdsThreads(ts *testscript.TestScript, pid int) (int, int) {
	fds, err := lab.FDs(pid)
	ts.Check(err)
	p, err := lab.Stat(pid)
	ts.Check(err)
	return fds, p.Threads
}
