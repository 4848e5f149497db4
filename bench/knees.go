package main

// The findings of the loads beyond the book's (-sweep rate and -sweep
// conns): where each design's latency leaves the few milliseconds a
// design below its capacity keeps (its knee), where the client fell behind
// its schedule, and who held every connection. They are computed from the
// kept run, like the table's findings, so that the prose beside the tables
// can say what they mean and carry no figure of its own.

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// kneeMs is where a design's p99 has left the few milliseconds: a design
// below its capacity answers within a few, and past it a connection waits
// in a queue for tens, or for TCP's retransmission timer (a second).
const kneeMs = 10.0

// sweepFindings writes the findings of a rate or conns sweep.
func (res *results) sweepFindings(w io.Writer) {
	res.scheduleFinding(w)
	res.kneeFinding(w)
	if res.Sweep == "conns" {
		res.heldFinding(w)
	}
}

// p99 is the point's p99, ms: the corrected one where the client kept its
// schedule in some run, the uncorrected one where it did not.
func (s summary) p99() float64 {
	if s.LatRuns > 0 {
		return s.P99
	}
	return s.RawP99
}

// points lists a design's points that ran, in order.
func (res *results) points(design string) []summary {
	var out []summary
	for _, s := range res.Summary {
		if s.Design == design && s.OK > 0 {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b summary) int { return a.Point - b.Point })
	return out
}

// knee is the first of a design's points from which its p99 stays above
// kneeMs at every point after; 0 if there is none.
func (res *results) knee(design string) int {
	pts := res.points(design)
	k := 0
	for i := len(pts) - 1; i >= 0 && pts[i].p99() > kneeMs; i-- {
		k = pts[i].Point
	}
	return k
}

// kneeFinding lists the designs by knee, Go and C apart, lowest first,
// and those that kept within kneeMs at every point they ran.
func (res *results) kneeFinding(w io.Writer) {
	for _, series := range []string{"Go", "C"} {
		type kn struct {
			name string
			at   int
		}
		var knees []kn
		var never []string
		for _, d := range res.sweepDesigns(series) {
			if k := res.knee(d); k > 0 {
				knees = append(knees, kn{d, k})
			} else {
				never = append(never, d)
			}
		}
		if len(knees)+len(never) == 0 {
			continue
		}
		slices.SortStableFunc(knees, func(a, b kn) int { return cmp.Compare(a.at, b.at) })
		var parts []string
		for _, k := range knees {
			parts = append(parts, fmt.Sprintf("%s %s", k.name, res.pointText(k.at)))
		}
		fmt.Fprintf(w, "- Knees, the %s rows (the first point from which p99 stays over %.0f ms): %s",
			series, kneeMs, orNone(parts))
		if len(never) > 0 {
			fmt.Fprintf(w, "; within %.0f ms wherever a run finished: %s", kneeMs,
				strings.Join(never, ", "))
		}
		fmt.Fprintln(w, ".")
	}
}

// scheduleFinding lists, point by point, the rows where the client kept
// its schedule in no run (their corrected latency is left out of the
// table), and the rows where no run finished at all.
func (res *results) scheduleFinding(w io.Writer) {
	behind, failed := map[int][]string{}, map[int][]string{}
	for _, s := range res.Summary {
		switch {
		case s.Tried > 0 && s.OK == 0:
			failed[s.Point] = append(failed[s.Point], s.Design)
		case s.OK > 0 && s.LatRuns == 0:
			behind[s.Point] = append(behind[s.Point], s.Design)
		}
	}
	fmt.Fprintf(w, "- The client kept its schedule in no run: %s.\n", res.byPoint(behind))
	if len(failed) > 0 {
		fmt.Fprintf(w, "- No run finished: %s.\n", res.byPoint(failed))
	}
}

// byPoint writes designs by point, "r=7000: a, b; r=10000: c", or "none".
func (res *results) byPoint(m map[int][]string) string {
	var parts []string
	for _, p := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, res.pointText(p)+": "+strings.Join(m[p], ", "))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// heldFinding says, at the sweep's largest point, which designs held
// every connection and which did not.
func (res *results) heldFinding(w io.Writer) {
	top := 0
	for _, s := range res.Summary {
		top = max(top, s.Point)
	}
	var all, fewer []string
	for _, s := range res.Summary {
		switch {
		case s.Point != top || s.OK == 0:
		case s.Held >= float64(top) && s.Kinds == [5]int{}:
			all = append(all, s.Design)
		default:
			fewer = append(fewer, s.Design)
		}
	}
	fmt.Fprintf(w, "- At %s every connection was held and answered by: %s; not by: %s.\n",
		res.pointText(top), orNone(all), orNone(fewer))
}

// sweepDesigns lists the sweep's designs of a series ("" for all), in the
// order of its targets.
func (res *results) sweepDesigns(series string) []string {
	var out []string
	for _, t := range res.Targets {
		if (series == "" || t.Series == series) && !slices.Contains(out, t.Design) {
			out = append(out, t.Design)
		}
	}
	return out
}

// pointText names a point as the sweep's tables do: "r=7000", "C=10000".
func (res *results) pointText(p int) string {
	return fmt.Sprintf("%s=%d", pointLetter[res.Sweep], p)
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}
