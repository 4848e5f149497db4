package main

import (
	"fmt"
	"time"
)

// The table: one line per design, the verdict last, so that a test can
// match "^serv03-flock .* PASS$".
const header = "design             conns  served hostile kills  lost errors  " +
	"fds      threads  zombies  stall sigint verdict"

func (res *result) row() string {
	if res.skip != "" {
		return fmt.Sprintf("%-17s SKIP (%s)", res.d.name, res.skip)
	}
	kills, lost := "-", "-"
	if res.d.forks {
		kills, lost = fmt.Sprint(res.kills), fmt.Sprint(res.lost)
	}
	return fmt.Sprintf("%-17s %6d %7d %7d %5s %5s %6d  %-7s  %-7s  %7d %5s %6s %s",
		res.d.name, res.conns, res.served, res.hostile, kills, lost, res.errors,
		arrow(res.before.fds, res.after.fds), arrow(res.before.threads, res.after.threads),
		res.after.zombies, seconds(res.stall), seconds(res.sigint), res.verdict())
}

// print prints the design's row and, under it, its failures and notes.
func (res *result) print() {
	fmt.Println(res.row())
	for _, f := range res.failures {
		fmt.Printf("    %s: %s\n", res.d.name, f)
	}
	if res.inAccept > 0 {
		fmt.Printf("    %s: note: %d of %d children killed while blocked in accept\n",
			res.d.name, res.inAccept, res.kills)
	}
	if res.slow > 0 {
		fmt.Printf("    %s: note: %d requests that torture sent late were cut off (not errors)\n",
			res.d.name, res.slow)
	}
}

func arrow(before, after int) string { return fmt.Sprintf("%d→%d", before, after) }

func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }
