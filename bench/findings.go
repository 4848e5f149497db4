package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"unp-go.dev/lab"
)

// findings writes, as a list of sentences, what a reader would otherwise
// work out from the table by hand: the ratios the prose talks about,
// computed from the same run, so that the prose can say what they mean and
// leave the figures to this block. Each finding is a function of its own,
// which writes nothing when the run lacks its rows.
func (res *results) findings(w io.Writer) {
	for _, f := range []func(io.Writer){res.familyFinding, res.rawForkFinding, res.startupFinding,
		res.runtimeFinding, res.serv01Finding, res.pooledFinding, res.kernelFinding,
		res.fewestCallsFinding, res.noiseFinding} {
		f(w)
	}
}

// row is the summary of the row name, if any of its runs went well.
func (res *results) row(name string) (summary, bool) {
	i := slices.IndexFunc(res.Summary, func(s summary) bool { return s.Name == name && s.OK > 0 })
	if i < 0 {
		return summary{}, false
	}
	return res.Summary[i], true
}

// net is a row's CPU less its idle CPU: what the connections cost.
func (s summary) net() float64 { return s.CPU - s.Idle }

// findingFamilies are the book's designs the findings compare with the C,
// by family.
var findingFamilies = []struct {
	what  string
	names []string
}{
	{"the preforked designs (serv02–serv05)", []string{"serv02-prefork", "serv03-flock",
		"serv04-mutex", "serv05-fdpass"}},
	{"the thread designs (serv06–serv08)", []string{"serv06-thread", "serv07-threadpool",
		"serv08-mainaccept"}},
}

// familyFinding: Go against the C beside it, family by family.
func (res *results) familyFinding(w io.Writer) {
	for _, f := range findingFamilies {
		var all, netR, rate []float64
		for _, n := range f.names {
			g, ok1 := res.row(n)
			c, ok2 := res.besideC(n)
			if !ok1 || !ok2 || !g.HasIdle || !c.HasIdle || c.net() <= 0 {
				continue
			}
			all = append(all, g.PerConn/c.PerConn)
			netR = append(netR, g.net()/c.net())
			rate = append(rate, g.ConnRate/c.ConnRate)
		}
		if len(all) == 0 {
			continue
		}
		fmt.Fprintf(w, "- Go against the book's C, %s: CPU per connection %s× the C's "+
			"with start-up, %s× net of it (CPU − idle CPU); connections/s %s× the C's.\n",
			f.what, span(all), span(netR), span(rate))
	}
}

// rawForkFinding: the -fork rows (lab.Design.Raw: children forked with no
// exec) against the book's C beside them and against their exec twins:
// CPU per connection with start-up and without, and what starting and
// stopping the pool costs (the idle run).
func (res *results) rawForkFinding(w io.Writer) {
	var vsC, vsExec, idleC []string
	for _, d := range lab.Designs {
		r, ok := res.row(d.Name)
		if !d.Raw || !ok {
			continue
		}
		if c, ok := res.besideC(d.Of); ok && c.PerConn > 0 {
			vsC = append(vsC, fmt.Sprintf("%s %.2f×", d.Name, r.PerConn/c.PerConn))
			if r.HasIdle && c.HasIdle && c.Idle > 0 {
				idleC = append(idleC, fmt.Sprintf("%s %.1f ms against %.1f ms (%.2f×)", d.Name,
					r.Idle*1e3, c.Idle*1e3, r.Idle/c.Idle))
			}
		}
		if e, ok := res.row(d.Of); ok && r.PerConn > 0 {
			vsExec = append(vsExec, fmt.Sprintf("%s %.2f×", d.Of, e.PerConn/r.PerConn))
		}
	}
	if len(vsC) > 0 {
		fmt.Fprintf(w, "- The -fork rows (children forked with no exec) against the book's C beside "+
			"them, CPU per connection with start-up: %s.\n", strings.Join(vsC, ", "))
	}
	if len(idleC) > 0 {
		fmt.Fprintf(w, "- Starting and stopping them with no client (idle CPU), against the C's: "+
			"%s.\n", strings.Join(idleC, "; "))
	}
	if len(vsExec) > 0 {
		fmt.Fprintf(w, "- The exec rows against their -fork twins, CPU per connection: %s.\n",
			strings.Join(vsExec, ", "))
	}
}

// startupFinding: what starting and stopping a pool costs, Go and C.
func (res *results) startupFinding(w io.Writer) {
	var goIdle, cIdle []float64
	for _, s := range res.Summary {
		if d, _ := lab.Lookup(s.Name); s.Row < 2 || s.Row > 5 || !s.HasIdle || s.OK == 0 || d.Raw {
			continue // the -fork rows have a finding of their own
		}
		switch s.Series {
		case "Go":
			goIdle = append(goIdle, s.Idle*1e3)
		case "C":
			cIdle = append(cIdle, s.Idle*1e3)
		}
	}
	if len(goIdle) > 0 && len(cIdle) > 0 {
		fmt.Fprintf(w, "- Starting and stopping a pool of %d children (the idle CPU of serv02–serv05, exec children): "+
			"%s ms of CPU for the Go designs, %s ms for the C.\n", res.Workers, spanf("%.1f", goIdle),
			spanf("%.1f", cIdle))
	}
}

// runtimeFinding: the process designs with unp/sched.go's mechanism off.
func (res *results) runtimeFinding(w io.Writer) {
	var off []float64
	var who []string
	for _, s := range res.Summary {
		o, ok := res.row(s.Name + " " + experiment)
		if s.Series != "Go" || !ok || s.OK == 0 || !s.HasIdle || !o.HasIdle || s.net() <= 0 {
			continue
		}
		off = append(off, o.net()/s.net())
		who = append(who, s.Name)
	}
	if len(off) > 0 {
		fmt.Fprintf(w, "- With unp/sched.go's mechanism off (-runtime's rows), the process designs "+
			"cost %s× as much CPU net of start-up as with it on (%s).\n", span(off),
			strings.Join(who, ", "))
	}
}

// serv01Finding: serv01 against its floor and against the C's fork.
func (res *results) serv01Finding(w io.Writer) {
	s, ok := res.row("serv01-fork")
	if !ok {
		return
	}
	if f, ok := res.row("serv01 floor"); ok {
		fmt.Fprintf(w, "- serv01-fork costs %.0f µs of CPU per connection, its floor (exec, exit "+
			"and wait of its child doing nothing) %.0f µs: %.2f× the floor.\n",
			s.PerConn, f.PerConn, s.PerConn/f.PerConn)
	}
	if c, ok := res.besideC("serv01-fork"); ok {
		fmt.Fprintf(w, "- The C serv01, a fork per connection, costs %.0f µs per connection; "+
			"serv01-fork, an exec per connection, %.1f× as much.\n", c.PerConn, s.PerConn/c.PerConn)
	}
}

// pooledFinding: the cheapest and the dearest pooled Go design.
func (res *results) pooledFinding(w io.Writer) {
	var pooled []summary
	for _, s := range res.Summary {
		if s.Series == "Go" && s.OK > 0 && s.Unit != "" {
			pooled = append(pooled, s)
		}
	}
	if len(pooled) < 2 {
		return
	}
	slices.SortFunc(pooled, func(a, b summary) int { return cmp.Compare(a.PerConn, b.PerConn) })
	lo, hi := pooled[0], pooled[len(pooled)-1]
	fmt.Fprintf(w, "- Of the pooled Go designs, %s costs least per connection (%.0f µs) and %s "+
		"most (%.0f µs).\n", lo.Name, lo.PerConn, hi.Name, hi.PerConn)
}

// kernelFinding: the kernel's counts per connection, each book design in
// Go against the C beside it.
func (res *results) kernelFinding(w io.Writer) {
	var cmp []string
	for _, d := range lab.Designs {
		g, ok1 := res.row(d.Name)
		c, ok2 := res.besideC(d.Name)
		if d.Beyond() || !ok1 || !ok2 || g.Kernel == nil || c.Kernel == nil ||
			g.Kernel.Syscalls == 0 || c.Kernel.Syscalls == 0 {
			continue
		}
		cmp = append(cmp, fmt.Sprintf("%s %.2f against %.2f (%+.2f) and %.2f against %.2f",
			d.Name, g.Kernel.Syscalls, c.Kernel.Syscalls, g.Kernel.Syscalls-c.Kernel.Syscalls,
			g.Kernel.Switches, c.Kernel.Switches))
	}
	if len(cmp) > 0 {
		fmt.Fprintf(w, "- System calls and context switches per connection, Go against the "+
			"book's C: %s.\n", strings.Join(cmp, "; "))
	}
}

// fewestCallsFinding: the Go row with the fewest system calls.
func (res *results) fewestCallsFinding(w io.Writer) {
	var counted []summary
	for _, s := range res.Summary {
		if s.Series == "Go" && s.OK > 0 && s.Kernel != nil && s.Kernel.Syscalls > 0 &&
			!strings.Contains(s.Name, " ") {
			counted = append(counted, s)
		}
	}
	if len(counted) < 2 {
		return
	}
	lo := slices.MinFunc(counted, func(a, b summary) int {
		return cmp.Compare(a.Kernel.Syscalls, b.Kernel.Syscalls)
	})
	fmt.Fprintf(w, "- %s makes the fewest system calls per connection of the Go rows (%.2f), "+
		"and %.2f context switches.\n", lo.Name, lo.Kernel.Syscalls, lo.Kernel.Switches)
}

// noiseFinding: how busy other work kept the machine.
func (res *results) noiseFinding(w io.Writer) {
	if others := res.otherCores(); len(others) > 0 {
		med, _ := median(others)
		fmt.Fprintf(w, "- Noise: other work kept %.2f of the %d cores busy during the median run: "+
			"ratios within a tenth of 1 are equal here.\n", med, res.Machine.Cores)
	}
}

// besideC is the C row that stands beside the Go design name.
func (res *results) besideC(name string) (summary, bool) {
	i := slices.IndexFunc(res.Summary, func(s summary) bool {
		return s.Series == "C" && s.Group == name && s.OK > 0
	})
	if i < 0 {
		return summary{}, false
	}
	return res.Summary[i], true
}

// span writes the range of ratios: "1.17" or "1.17–1.20".
func span(xs []float64) string { return spanf("%.2f", xs) }

// spanf writes the range of xs in format f.
func spanf(f string, xs []float64) string {
	lo, hi := fmt.Sprintf(f, slices.Min(xs)), fmt.Sprintf(f, slices.Max(xs))
	if lo == hi {
		return lo
	}
	return lo + "–" + hi
}
