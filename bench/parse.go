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

	// From our client's longer report, for -rate and -conns (client/report.go).
	// Conns and Errors then count its units (connections, or requests on held
	// connections), and P50 ... Max are the corrected latencies: from when the
	// schedule wanted each one started.
	Report   bool    `json:"report,omitempty"`         // the report was there
	Held     int     `json:"held,omitempty"`           // connections held open (-conns)
	Offered  float64 `json:"offered_per_s,omitempty"`  // 0: a closed loop
	Achieved float64 `json:"achieved_per_s,omitempty"` // units answered a second
	// Kinds counts the errors: refused, reset, timed out, short reply, other.
	Kinds                           [5]int  `json:"errors_by_kind,omitzero"`
	RawP50, RawP99, RawP999, RawMax float64 // uncorrected: from each one's actual start, ms
	LagP99, LagMax                  float64 // the client's own lateness, ms
	Behind                          bool    `json:",omitempty"` // the client fell behind: discard
	LoadCPU                         float64 // the client's CPU during the load, s
	PerRequest                      float64 // and per request, µs
}

var (
	reportHead = regexp.MustCompile(`^(\d+) (?:connections of \d+ requests?|requests on (\d+) ` +
		`held connections), (\d+) errors in (\S+) s: offered (closed loop|(\S+)/s), ` +
		`achieved (\S+)/s$`)
	reportErrors = regexp.MustCompile(`^errors: refused (\d+), reset (\d+), timed out (\d+), ` +
		`short reply (\d+), other (\d+)$`)
	reportLatency = regexp.MustCompile(`^latency (corrected|uncorrected): p50 (\S+) ms, ` +
		`p99 (\S+) ms, p99\.9 (\S+) ms, max (\S+) ms$`)
	reportSchedule = regexp.MustCompile(`^schedule: lag p99 (\S+) ms, max (\S+) ms; \d+ of \d+ ` +
		`over \S+ late: (.*)$`)
	reportCPU = regexp.MustCompile(`^client CPU (\S+) s, (\S+) s during the load: ` +
		`(\S+) us a request$`)
)

// parseReport reads one line of our client's longer report into c; false
// if the line is not one of them.
func (c *clientResult) parseReport(line string) (bool, error) {
	var nums []string
	var into []*float64
	switch m := []string(nil); {
	case matchInto(reportHead, line, &m):
		c.Report, c.Summary = true, true
		c.Conns, _ = strconv.Atoi(m[1])
		if m[2] != "" {
			c.Held, _ = strconv.Atoi(m[2])
		}
		c.Errors, _ = strconv.Atoi(m[3])
		nums, into = []string{m[4], m[7]}, []*float64{&c.Elapsed, &c.Achieved}
		if m[6] != "" {
			nums, into = append(nums, m[6]), append(into, &c.Offered)
		}
	case matchInto(reportErrors, line, &m):
		for i := range c.Kinds {
			c.Kinds[i], _ = strconv.Atoi(m[i+1])
		}
	case matchInto(reportLatency, line, &m):
		nums = m[2:6]
		into = []*float64{&c.P50, &c.P99, &c.P999, &c.Max}
		if m[1] == "uncorrected" {
			into = []*float64{&c.RawP50, &c.RawP99, &c.RawP999, &c.RawMax}
		} else {
			c.Tail = true
		}
	case matchInto(reportSchedule, line, &m):
		nums, into = m[1:3], []*float64{&c.LagP99, &c.LagMax}
		c.Behind = m[3] != "on schedule"
	case matchInto(reportCPU, line, &m):
		nums, into = m[1:4], []*float64{&c.CPU, &c.LoadCPU, &c.PerRequest}
	default:
		return false, nil
	}
	for i, s := range nums {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 {
			return true, fmt.Errorf("bad report line %q", line)
		}
		*into[i] = v
	}
	return true, nil
}

func matchInto(re *regexp.Regexp, line string, m *[]string) bool {
	*m = re.FindStringSubmatch(line)
	return *m != nil
}

var (
	doneLine    = regexp.MustCompile(`^child \d+ done$`)
	summaryLine = regexp.MustCompile(`^(\d+) connections, (\d+) errors in (\S+) s: ` +
		`\S+ connections/s, latency p50 (\S+) ms, p99 (\S+) ms$`)
	tailLine = regexp.MustCompile(`^latency p99\.9 (\S+) ms, max (\S+) ms; client CPU (\S+) s$`)
)

// parseClient reads a client's standard output: the book's client prints
// only "child I done" lines; ours adds two summary lines, or, for the loads
// beyond the book's, a longer report.
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
		} else if ok, err := c.parseReport(line); ok && err != nil {
			return c, err
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
