package main

import (
	"fmt"
	"io"
)

// printReport adds up the children's records and prints the report of a
// load beyond the book's, in this form (for -rate R; the figures are the
// run's):
//
//	N connections of K requests, E errors in S s: offered R/s, achieved A/s
//	errors: refused E, reset E, timed out E, short reply E, other E
//	latency corrected: p50 P ms, p99 P ms, p99.9 P ms, max M ms
//	latency uncorrected: p50 P ms, p99 P ms, p99.9 P ms, max M ms
//	schedule: lag p99 L ms, max L ms; N of N over 1ms late: on schedule
//	client CPU C s, C s during the load: U us a request
//
// With -conns the first line counts requests on held connections:
//
//	N requests on C held connections, E errors in S s: offered R/s, ...
//
// Corrected latency runs from when the schedule wanted a connection (or a
// held connection's request) started; uncorrected from when it did start.
// In a closed loop there is no schedule, and the two are the same. The
// schedule line is the client judging itself: if its own lateness at the
// 99th percentile passes behindLimit, the corrected latencies hold the
// client's delay as well as the server's, and the line says to discard the
// point. The elapsed time runs from the common start to the last answer.
// The client's CPU is given whole (its processes' start-up, and the opening
// of held connections, included) and during the load alone, which is what
// a request costs the client, to be set beside what it costs the server.
// It reports whether the run had no errors and every child's record.
func printReport(out io.Writer, c config, recs []*record, t0, now int64) bool {
	var all record
	var lat, raw, lag histogram
	ok := true
	for _, r := range recs {
		if r == nil {
			ok = false
			continue
		}
		var l, u, g histogram
		if !l.unmarshal(r.Lat) || !u.unmarshal(r.Raw) || !g.unmarshal(r.Lag) {
			ok = false
			continue
		}
		lat.merge(&l)
		raw.merge(&u)
		lag.merge(&g)
		all.Units += r.Units
		all.Requests += r.Requests
		all.Late += r.Late
		all.Held += r.Held
		all.End = max(all.End, r.End)
		all.CPU += r.CPU
		for k, n := range r.Errs {
			all.Errs[k] += n
		}
	}
	end := all.End
	if end == 0 {
		end = now
	}
	secs := max(float64(end-t0)/1e9, 1e-9)
	nerr := 0
	for _, n := range all.Errs {
		nerr += n
	}
	offered := "closed loop"
	if r := c.offered(); r > 0 {
		offered = fmt.Sprintf("%.0f/s", r)
	}
	if c.conns > 0 {
		fmt.Fprintf(out, "%d requests on %d held connections", all.Units, all.Held)
	} else {
		fmt.Fprintf(out, "%d connections of %d %s", all.Units, c.requests,
			plural(c.requests, "request", "requests"))
	}
	fmt.Fprintf(out, ", %d errors in %.3f s: offered %s, achieved %.0f/s\n",
		nerr, secs, offered, float64(all.Units)/secs)
	fmt.Fprintf(out, "errors:")
	for k, n := range all.Errs {
		sep := ","
		if k == 0 {
			sep = ""
		}
		fmt.Fprintf(out, "%s %s %d", sep, kindNames[k], n)
	}
	fmt.Fprintln(out)
	ms := func(h *histogram, p float64) float64 { return float64(h.percentile(p)) / 1e6 }
	for _, l := range []struct {
		name string
		h    *histogram
	}{{"corrected", &lat}, {"uncorrected", &raw}} {
		fmt.Fprintf(out, "latency %s: p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms\n",
			l.name, ms(l.h, 50), ms(l.h, 99), ms(l.h, 99.9), float64(l.h.max)/1e6)
	}
	verdict := "on schedule"
	if lag.percentile(99) > behindLimit {
		verdict = "the client fell behind its schedule, discard this point"
	}
	fmt.Fprintf(out, "schedule: lag p99 %.3f ms, max %.3f ms; %d of %d over %v late: %s\n",
		ms(&lag, 99), float64(lag.max)/1e6, all.Late, all.Units, behindLimit, verdict)
	perReq := 0.0
	if all.Requests > 0 {
		perReq = all.CPU / float64(all.Requests) * 1e6
	}
	fmt.Fprintf(out, "client CPU %.3f s, %.3f s during the load: %.1f us a request\n",
		cpuSeconds(), all.CPU, perReq)
	return ok && nerr == 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
