package main

import (
	"fmt"
	"io"
	"time"
)

// The table: one line per design, the verdict last, so that a test can
// match "^serv03-flock .* PASS$".
const header = "design                   conns  served hostile kills  lost errors  " +
	"fds      threads  zombies  stall sigint stopped  emfile           nproc     verdict"

func (res *result) row() string {
	if res.skip != "" {
		return fmt.Sprintf("%-23s SKIP (%s)", res.d.Name, res.skip)
	}
	kills, lost, stopped := "-", "-", "-"
	if res.d.Forks {
		kills, lost = fmt.Sprint(res.kills), fmt.Sprint(res.lost)
	}
	if res.stopRan {
		stopped = fmt.Sprintf("%d/%d", res.stopServed, res.stopTried)
	}
	return fmt.Sprintf("%-23s %6d %7d %7d %5s %5s %6d  %-7s  %-7s  %7d %5s %6s %7s  %-15s  %-8s  %s",
		res.d.Name, res.conns, res.served, res.hostile, kills, lost, res.errors,
		arrow(res.before.fds, res.after.fds), arrow(res.before.threads, res.after.threads),
		res.after.zombies, seconds(res.stall), seconds(res.sigint), stopped, res.fd, res.nproc,
		res.verdict())
}

// print prints the design's row and, under it, its failures and notes.
func (res *result) print(w io.Writer) {
	fmt.Fprintln(w, res.row())
	for _, f := range res.failures {
		fmt.Fprintf(w, "    %s: %s\n", res.d.Name, f)
	}
	for _, n := range res.notes {
		fmt.Fprintf(w, "    %s: note: %s\n", res.d.Name, n)
	}
	if res.inAccept > 0 {
		fmt.Fprintf(w, "    %s: note: %d of %d children killed while waiting for a connection\n",
			res.d.Name, res.inAccept, res.kills)
	}
	if res.slow > 0 {
		fmt.Fprintf(w, "    %s: note: %d requests that torture sent late were cut off (not errors)\n",
			res.d.Name, res.slow)
	}
}

func arrow(before, after int) string { return fmt.Sprintf("%d→%d", before, after) }

func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }
