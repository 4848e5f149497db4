package main

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// report is what a server prints on SIGINT: the book's pr_cpu_time line and,
// for the pooled designs, one count line per child or thread.
type report struct {
	User, Sys float64 // seconds, RUSAGE_SELF + RUSAGE_CHILDREN
	Counts    []int   // connections per child or thread, by index
	Unit      string  // "child" or "thread"; "" when there are no count lines
}

var (
	cpuLine   = regexp.MustCompile(`^user time = (\S+), sys time = (\S+)$`)
	countLine = regexp.MustCompile(`^(child|thread) (\d+), (\d+) connections$`)
)

// parseReport reads a server's standard output. Lines it does not know
// ("listening on ...", the C children's "child 1234 starting") are skipped.
// The CPU line is required: without it the run measured nothing.
func parseReport(out string) (report, error) {
	var r report
	byIndex := map[int]int{}
	found := false
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		if m := cpuLine.FindStringSubmatch(line); m != nil {
			u, err1 := strconv.ParseFloat(m[1], 64)
			s, err2 := strconv.ParseFloat(m[2], 64)
			if err1 != nil || err2 != nil || u < 0 || s < 0 {
				return r, fmt.Errorf("bad CPU line %q", line)
			}
			r.User, r.Sys, found = u, s, true
		} else if m := countLine.FindStringSubmatch(line); m != nil {
			i, _ := strconv.Atoi(m[2])
			n, err := strconv.Atoi(m[3])
			if err != nil || i > 1<<16 {
				return r, fmt.Errorf("bad count line %q", line)
			}
			if r.Unit != "" && r.Unit != m[1] {
				return r, fmt.Errorf("both child and thread count lines")
			}
			r.Unit = m[1]
			byIndex[i] = n
		}
	}
	if !found {
		return r, fmt.Errorf("no \"user time = U, sys time = S\" line")
	}
	for _, i := range slices.Sorted(func(yield func(int) bool) {
		for i := range byIndex {
			if !yield(i) {
				return
			}
		}
	}) {
		r.Counts = append(r.Counts, byIndex[i])
	}
	return r, nil
}

// clientResult is what one client run printed.
type clientResult struct {
	Done    int     `json:"done"`                     // "child I done" lines
	Summary bool    `json:"summary"`                  // our client's summary line was there
	Conns   int     `json:"connections,omitempty"`    // from the summary line
	Errors  int     `json:"errors,omitempty"`         // from the summary line
	Elapsed float64 `json:"elapsed_s,omitempty"`      // the client's own clock
	P50     float64 `json:"latency_p50_ms,omitempty"` // connect to last byte of reply
	P99     float64 `json:"latency_p99_ms,omitempty"`
	// From our client's second line.
	Tail bool    `json:"tail,omitempty"` // the line was there
	P999 float64 `json:"latency_p99_9_ms,omitempty"`
	Max  float64 `json:"latency_max_ms,omitempty"`
	CPU  float64 `json:"client_cpu_s,omitempty"` // as the client printed it
}

var (
	doneLine    = regexp.MustCompile(`^child \d+ done$`)
	summaryLine = regexp.MustCompile(`^(\d+) connections, (\d+) errors in (\S+) s: ` +
		`\S+ connections/s, latency p50 (\S+) ms, p99 (\S+) ms$`)
	tailLine = regexp.MustCompile(`^latency p99\.9 (\S+) ms, max (\S+) ms; client CPU (\S+) s$`)
)

// parseClient reads a client's standard output: the book's client prints
// only "child I done" lines; ours adds one summary line.
func parseClient(out string) (clientResult, error) {
	var c clientResult
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		if doneLine.MatchString(line) {
			c.Done++
		} else if m := summaryLine.FindStringSubmatch(line); m != nil {
			var errs [5]error
			c.Conns, errs[0] = strconv.Atoi(m[1])
			c.Errors, errs[1] = strconv.Atoi(m[2])
			c.Elapsed, errs[2] = strconv.ParseFloat(m[3], 64)
			c.P50, errs[3] = strconv.ParseFloat(m[4], 64)
			c.P99, errs[4] = strconv.ParseFloat(m[5], 64)
			for _, err := range errs {
				if err != nil {
					return c, fmt.Errorf("bad summary line %q", line)
				}
			}
			c.Summary = true
		} else if m := tailLine.FindStringSubmatch(line); m != nil {
			var errs [3]error
			c.P999, errs[0] = strconv.ParseFloat(m[1], 64)
			c.Max, errs[1] = strconv.ParseFloat(m[2], 64)
			c.CPU, errs[2] = strconv.ParseFloat(m[3], 64)
			if errors.Join(errs[:]...) != nil {
				return c, fmt.Errorf("bad latency line %q", line)
			}
			c.Tail = true
		}
	}
	return c, nil
}

// median returns the median of xs (the mean of the middle two for an even
// count), and false for none. It does not reorder xs.
func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// spread returns the fewest and most connections any child or thread
// served, and their ratio (0 when the busiest served none; +Inf when the
// idlest did).
func spread(counts []int) (lo, hi int, ratio float64) {
	if len(counts) == 0 {
		return 0, 0, 0
	}
	lo, hi = slices.Min(counts), slices.Max(counts)
	switch {
	case hi == 0:
		return lo, hi, 0
	case lo == 0:
		return lo, hi, math.Inf(1)
	}
	return lo, hi, float64(hi) / float64(lo)
}

// portArgs replaces "{port}" in an external server's arguments.
func portArgs(args []string, port int) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.ReplaceAll(a, "{port}", strconv.Itoa(port))
	}
	return out
}

// designRow finds the book's row in a name: "serv05-fdpass" and
// "C serv05" are both row 5; -1 if there is none.
func designRow(name string) int {
	m := rowName.FindStringSubmatch(name)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

var rowName = regexp.MustCompile(`serv(\d\d?)(?:\D|$)`)

// series names the family a row belongs to, for the chart's legend and for
// finding its baseline: "Go" for the built-in designs, otherwise what comes
// before "serv" in an external name ("C serv05" is series "C").
func series(name string, external bool) string {
	if !external {
		return "Go"
	}
	if i := strings.Index(name, "serv"); i > 0 {
		return strings.TrimSpace(name[:i])
	}
	return name
}
