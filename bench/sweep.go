package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unp-go.dev/lab"
)

// Sweeps: Figure 30.1 as curves. A sweep runs the chosen designs at each
// point of one axis, every (design, point) pair a target of its own, so the
// rounds interleave them all as they interleave the table's rows. The
// y value is the CPU per connection once start-up is taken out: the run's
// CPU minus the same round's idle run of the same design at the same point
// (128 children cost 128 execs before the first connection), divided by the
// connections. An idle run at every point measures the fixed cost where it
// is paid, in the same round and so under the same noise; a fit of
// CPU = a + b × connections would need several loads per point to find the
// same a.

// The sweeps' default points and designs.
var (
	workerPoints   = []int{1, 2, 4, 8, 16, 32, 64, 128}
	inflightPoints = []int{1, 5, 10, 20, 50, 100, 200, 500}
	// The herd: the pooled designs whose children or threads wait on one
	// listening socket, each in its own way.
	workerDesigns = []string{"serv02-prefork", "serv02-select", "serv03-flock", "serv04-mutex",
		"serv05-fdpass", "serv07-threadpool", "serv08-mainaccept", "serv09-reuseport",
		"serv10-epoll", "serv10-exclusive", "serv12-uring", "serv12-reuseport"}
)

// sweepDesigns is what -designs means in a sweep: "all" is the herd for a
// worker sweep and every design for an in-flight one; serv00 comes in only
// when named (a sweep needs no baseline).
func sweepDesigns(what, list string, chosen []lab.Design) []lab.Design {
	if list == "all" && what == "workers" {
		return slices.DeleteFunc(slices.Clone(lab.Designs), func(d lab.Design) bool {
			return !slices.Contains(workerDesigns, d.Name)
		})
	}
	if list != "all" && !slices.ContainsFunc(strings.Split(list, ","), func(w string) bool {
		w = strings.TrimSpace(w)
		return w == "0" || strings.HasPrefix("serv00-iterative", w)
	}) {
		chosen = slices.DeleteFunc(slices.Clone(chosen), func(d lab.Design) bool {
			return d.Name == "serv00-iterative"
		})
	}
	if what == "workers" {
		chosen = slices.DeleteFunc(chosen, func(d lab.Design) bool { return !d.Pooled() })
	}
	return chosen
}

// parsePoints reads -points, or returns the sweep's default: none for a
// rate sweep, whose points come from its capacity probe.
func parsePoints(what, list string) ([]int, error) {
	if list == "" {
		switch what {
		case "workers":
			return workerPoints, nil
		case "conns":
			return connsPoints, nil
		case "rate":
			return nil, nil
		}
		return inflightPoints, nil
	}
	var out []int
	for _, w := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad point %q: want a number of at least 1", w)
		}
		out = append(out, n)
	}
	return out, nil
}

// inflightLoad spreads c connections in flight over at most procs client
// processes (c/procs each, -inflight), each making enough connections for
// conns in all: 1 in flight is one process, 500 are 5 × -inflight 100.
func inflightLoad(c, procs, conns int) load {
	p := min(c, procs)
	for c%p != 0 {
		p--
	}
	k := c / p
	return load{children: p, inflight: k, loops: max(1, conns/(p*k))}
}

// sweepTargets makes one target per design and point, and per external
// row and point: in a worker sweep only the pooled ones, with the point as
// their last argument (the C curves of -book). What "probe" makes one
// target per design and external row, at no point: a rate sweep's
// capacity probe.
func (c *config) sweepTargets(what string, paths map[string]string, ext []target,
	pts []int) []target {
	if what == "probe" {
		pts = []int{0}
	}
	var out []target
	for _, p := range pts {
		var row []target
		for _, d := range c.designs {
			t := designTarget(d, paths, c.workers)
			if what == "workers" {
				t = designTarget(d, paths, p)
			}
			row = append(row, t)
		}
		for _, e := range ext {
			if what == "workers" && !e.Pooled {
				continue
			}
			e.Argv = slices.Clone(e.Argv)
			if what == "workers" {
				e.Argv[len(e.Argv)-1] = strconv.Itoa(p)
			}
			e.Design, e.Group, e.Series = e.Name, besideOf(e), series(e.Name, true)
			row = append(row, e)
		}
		for _, t := range row {
			if t.Design == "" {
				t.Design = t.Name
			}
			switch what {
			case "probe":
				out = append(out, t)
				continue
			case "rate":
				l := rateLoad(p, c.load.children, c.duration)
				t.Children, t.Inflight, t.Loops = l.children, l.inflight, l.loops
				t.Name = fmt.Sprintf("%s r=%d", t.Design, p)
			case "conns":
				t.Children, t.Inflight, t.Loops = connsProcs(p, c.load.children), 1, 1
				t.Name = fmt.Sprintf("%s C=%d", t.Design, p)
			case "workers":
				t.Name = fmt.Sprintf("%s n=%d", t.Design, p)
			default:
				conns := c.conns
				if conns == 0 {
					conns = c.load.conns()
				}
				l := inflightLoad(p, c.load.children, conns)
				t.Children, t.Inflight, t.Loops = l.children, l.inflight, l.loops
				t.Name = fmt.Sprintf("%s c=%d", t.Design, p)
			}
			t.Point = p
			out = append(out, t)
		}
	}
	return out
}

// sweepMarkdown writes the sweep's tables: one row per design, one column
// per point.
func (res *results) sweepMarkdown(w io.Writer) {
	m := res.Machine
	fmt.Fprintf(w, "Sweep over %s on %s, %d cores, %s, %s; load average %s before, %s after.\n",
		res.sweepAxis(), m.CPU, m.Cores, m.Kernel, m.Go, m.LoadBefore, m.LoadAfter)
	fmt.Fprintf(w, "Load: %s; medians of %s, interleaved%s.\n", res.sweepLoad(),
		plural(res.RoundsRun, "round"), parens(res.Stopped))
	if res.Sweep != "rate" && res.Sweep != "conns" {
		res.sweepTable(w, "CPU µs per connection, start-up taken out: (CPU − idle CPU) / "+
			"connections; median (lowest–highest round)", func(s summary) string {
			return fmt.Sprintf("%.0f (%.0f–%.0f)", s.Net, s.NetLo, s.NetHi)
		})
		res.sweepTable(w, "connections/s, median", func(s summary) string {
			return fmt.Sprintf("%.0f", s.ConnRate)
		})
	}
	if res.Sweep == "rate" || res.Sweep == "conns" {
		res.loadTables(w)
	} else if res.Sweep == "inflight" {
		res.sweepTable(w, "latency p50 / p99 / p99.9 / max, ms, medians", func(s summary) string {
			return fmt.Sprintf("%.2f / %.1f / %.1f / %.0f", s.P50, s.P99, s.P999, s.Max)
		})
		res.sweepTable(w, "client CPU s, median", func(s summary) string {
			return fmt.Sprintf("%.2f", s.ClientCPU)
		})
	} else {
		res.sweepTable(w, "idle CPU s (start-up and shutdown), median", func(s summary) string {
			return fmt.Sprintf("%.3f", s.Idle)
		})
		res.sweepTable(w, "connections per child or thread, min–max, medians", func(s summary) string {
			if s.Unit == "" { // a server that does not print them (the book's serv02l)
				return "—"
			}
			return fmt.Sprintf("%.0f–%.0f", s.MinCount, s.MaxCount)
		})
	}
	res.sweepCounts(w)
	if others := res.otherCores(); len(others) > 0 {
		med, _ := median(others)
		fmt.Fprintf(w, "\nNoise: besides the server and the client, other work kept %.2f of the %d "+
			"cores busy during the median client run (%.2f–%.2f over all runs).\n",
			med, m.Cores, slices.Min(others), slices.Max(others))
	}
	res.writeNotes(w)
}

func (res *results) sweepAxis() string {
	switch res.Sweep {
	case "workers":
		return "the number of children or threads"
	case "rate":
		return "the offered rate (connections/s, open loop)"
	case "conns":
		return "the number of connections held open"
	}
	return "the number of connections in flight"
}

func (res *results) sweepLoad() string {
	switch res.Sweep {
	case "workers":
		return fmt.Sprintf("`%s` (%d connections per run)", res.Client, res.Children*res.Loops)
	case "rate":
		return fmt.Sprintf("our client's -rate R for %s, %d processes sharing one schedule, "+
			"one request of %d bytes per connection, against %d children or threads%s",
			res.Duration, res.Children, res.Bytes, res.Workers, res.clientPriority())
	case "conns":
		return fmt.Sprintf("our client's -conns C, opened first, then each sending a request of "+
			"%d bytes every %s for %s, from min(C, %d) processes, against %d children or "+
			"threads%s", res.Bytes, res.Every, res.Duration, res.Children, res.Workers,
			res.clientPriority())
	}
	conns := res.SweepConns
	if conns == 0 {
		conns = res.Children * res.Loops
	}
	return fmt.Sprintf("our client, C connections in flight as min(C, %d) processes × "+
		"-inflight C/processes, about %d connections per run of %d bytes, against %d children "+
		"or threads", res.Children, conns, res.Bytes, res.Workers)
}

// clientPriority says at which priority the client ran the sweep's loads
// (-realtime): a run kept before the flag says nothing.
func (res *results) clientPriority() string {
	loads, rt, policy := 0, 0, ""
	for _, r := range res.Runs {
		if r.Client == nil || r.Idle {
			continue
		}
		loads++
		if r.ClientPriority != "" {
			rt, policy = rt+1, r.ClientPriority
		}
	}
	switch {
	case rt == 0:
		return ""
	case rt == loads:
		return fmt.Sprintf("; the client at real-time priority (%s)", policy)
	}
	return fmt.Sprintf("; the client at real-time priority (%s) in %d of %d runs", policy, rt,
		loads)
}

// sweepTable writes one table of the sweep: designs down, points across.
func (res *results) sweepTable(w io.Writer, title string, cell func(summary) string) {
	pts, designs := res.sweepGrid()
	fmt.Fprintf(w, "\n%s:\n\n| design |", title)
	for _, p := range pts {
		fmt.Fprintf(w, " %s=%d |", pointLetter[res.Sweep], p)
	}
	fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---:|", len(pts)))
	for _, d := range designs {
		fmt.Fprintf(w, "| %s |", d)
		for _, p := range pts {
			s, ok := res.point(d, p)
			switch {
			case !ok || res.Skipped[s.Name] != "":
				fmt.Fprint(w, " — |")
			case s.OK == 0:
				fmt.Fprint(w, " failed |")
			default:
				fmt.Fprintf(w, " %s |", cell(s))
			}
		}
		fmt.Fprintln(w)
	}
}

// pointLetter names a sweep's points in its tables' heads, as in its
// targets' names.
var pointLetter = map[string]string{"workers": "n", "inflight": "c", "rate": "r", "conns": "C"}

// sweepGrid lists the sweep's points and designs, in order.
func (res *results) sweepGrid() (pts []int, names []string) {
	for _, s := range res.Summary {
		if !slices.Contains(pts, s.Point) {
			pts = append(pts, s.Point)
		}
		if !slices.Contains(names, s.Design) {
			names = append(names, s.Design)
		}
	}
	slices.Sort(pts)
	return pts, names
}

func (res *results) point(design string, p int) (summary, bool) {
	i := slices.IndexFunc(res.Summary, func(s summary) bool { return s.Design == design && s.Point == p })
	if i < 0 {
		return summary{}, false
	}
	return res.Summary[i], true
}
