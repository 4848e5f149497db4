package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"unp-go.dev/lab"
	"unp-go.dev/unp"
)

// The loads beyond the book's, as sweeps: our client's open loop and its
// held connections (client/load.go, client/conns.go).
//
// -sweep rate offers each design connections at a fixed rate, from a tenth
// of a design's capacity to past its knee, and charts the latency, p99
// and p99.9 corrected for coordinated omission, against the offered rate.
// A quick capacity probe comes first: each design once, closed loop,
// probeInflight connections in flight from each client process. The
// points are -points (connections/s), or run geometrically from a tenth
// of the lowest capacity to kneeFactor times the highest; either way each
// design runs those up to kneeFactor times its own capacity, past which a
// point shows only its queue growing until connections time out. Each run
// offers its rate for -duration. A run in which the client fell behind its schedule
// is kept, and counted, but its latencies are left out of the medians and
// the chart: they hold the client's delay as well as the server's.
//
// -sweep conns holds C connections open (-points, by default 10 to
// 10,000), each sending a request every -every, for -duration, and
// samples the proportional set size of the server's whole process tree
// (lab.TreePSS) while they are held: the memory one held connection costs
// is the growth over the tree's PSS before the client, divided by the
// connections. PSS leaves out what the kernel holds for each socket, which
// is the same for every design. A tree that passes -maxpss is killed and
// its run fails, so that a process per connection cannot take the machine.
// The client's opening of its connections is bounded by one -timeout
// (loadTimeout here), and the servers' idle timeout (UNP_IDLE_TIMEOUT) is
// raised past the longest a held connection may then wait for its first
// request, so that the Go servers close none the C servers would keep.
//
// Errors are the load's own results here, not the run's failure: past its
// knee a design times connections out, and a pool of 15 cannot answer
// 10,000 held connections. Each table says how many and of which kind.

// The rate and conns sweeps' defaults.
var (
	connsPoints   = []int{10, 100, 1000, 3000, 10000}
	probeInflight = 4    // connections in flight per client process in the probe
	probeConns    = 2000 // connections in the probe run
	kneeFactor    = 2.0  // points up to this many times a design's capacity
	ratePointsN   = 8    // points from the probe
	loadTimeout   = 10 * time.Second
	memEvery      = 250 * time.Millisecond // PSS samples while connections are held
)

// ratePoints spreads n offered rates geometrically from a tenth of the
// lowest capacity to kneeFactor times the highest, each rounded to two
// significant figures.
func ratePoints(caps []float64, n int) []int {
	if len(caps) == 0 || n < 1 {
		return nil
	}
	lo := max(1, slices.Min(caps)/10)
	hi := max(lo, kneeFactor*slices.Max(caps))
	var out []int
	for i := range n {
		f := 0.0
		if n > 1 {
			f = float64(i) / float64(n-1)
		}
		p := round2(lo * math.Pow(hi/lo, f))
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// round2 rounds x to two significant figures.
func round2(x float64) int {
	if x < 10 {
		return max(1, int(math.Round(x)))
	}
	e := math.Pow(10, math.Floor(math.Log10(x))-1)
	return int(math.Round(x/e) * e)
}

// rateKeep reports whether a design of capacity c runs at offered rate p:
// past kneeFactor times its capacity a point shows only its queue growing
// until connections time out.
func rateKeep(c float64, p int) bool { return c <= 0 || float64(p) <= kneeFactor*c }

// rateLoad is the client's load at p connections a second for d: the
// -children processes share the schedule, each taking its slots.
func rateLoad(p, procs int, d time.Duration) load {
	total := max(procs, int(math.Ceil(float64(p)*d.Seconds())))
	return load{children: procs, inflight: 1, loops: (total + procs - 1) / procs}
}

// connsProcs is how many client processes share c held connections.
func connsProcs(c, procs int) int { return max(1, min(c, procs)) }

// loadArgs is the client's command line, after the program, for a run of
// a rate or conns sweep at point p.
func (c *config) loadArgs(what string, p int, l load, port int) []string {
	tail := []string{"127.0.0.1", strconv.Itoa(port), strconv.Itoa(l.children),
		strconv.Itoa(l.loops), strconv.Itoa(c.bytes)}
	var rt []string
	if c.realtime && loopPolicy() != "" {
		rt = []string{"-realtime"}
	}
	switch what {
	case "rate":
		return slices.Concat([]string{"-rate", strconv.Itoa(p), "-timeout",
			loadTimeout.String()}, rt, tail)
	case "conns":
		return slices.Concat([]string{"-conns", strconv.Itoa(p), "-every", c.every.String(),
			"-duration", c.duration.String(), "-timeout", loadTimeout.String()}, rt, tail)
	}
	return tail
}

// loadNofile is how many descriptors a server may need in a rate or conns
// sweep: the most connections held, or for an open loop a generous bound on
// the connections queued past a knee.
func loadNofile(what string, pts []int) int {
	most := 0
	if len(pts) > 0 {
		most = slices.Max(pts)
	}
	if what == "conns" {
		return most + 256
	}
	return min(1<<16, max(8192, 2*most))
}

// probeCapacity runs each design once, closed loop, and returns its
// connections/s by design; a design whose probe fails gets 0, and a note.
func (c *config) probeCapacity(tmp string, ld loader, ts []target) (caps map[string]float64, notes []string) {
	caps = map[string]float64{}
	per := c.load.children * probeInflight
	for _, t := range ts {
		t.Children, t.Inflight, t.Loops = c.load.children, probeInflight, max(1, probeConns/per)
		r := c.runOnce(tmp, ld, t, 0, false)
		if !r.OK || r.Client == nil || r.Client.Elapsed <= 0 {
			unp.Err_msg("probe %s: %s", t.Name, r.Err)
			notes = append(notes, fmt.Sprintf("%s: the capacity probe failed (%s); "+
				"every point runs", t.Name, r.Err))
			caps[t.Design] = 0
			continue
		}
		caps[t.Design] = float64(r.Client.Conns) / r.Client.Elapsed
		unp.Err_msg("probe %-18s %6.0f connections/s", t.Name, caps[t.Design])
	}
	return caps, notes
}

// raiseNofile raises this process's descriptor limit so that the servers
// it starts (which inherit it) can hold need connections, and says so. It
// goes through package syscall, not x/sys: after an explicit Setrlimit, Go
// stops putting the limit it found at start back for the programs it
// starts. Root may raise the hard limit as well.
func raiseNofile(need int) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return
	}
	want := rl
	want.Cur = max(rl.Cur, min(rl.Max, uint64(need)))
	if want.Cur < uint64(need) {
		want.Cur, want.Max = uint64(need), uint64(need) // only root may
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		unp.Err_msg("RLIMIT_NOFILE %d (hard %d) is below the %d descriptors the run needs, "+
			"and raising it failed: %v", rl.Cur, rl.Max, need, err)
		return
	}
	unp.Err_msg("RLIMIT_NOFILE set to %d (hard %d) for the servers: the run needs about %d "+
		"descriptors", want.Cur, want.Max, need)
}

// memWatch samples the PSS of a server's tree while the client runs.
type memWatch struct {
	stop chan struct{}
	done sync.WaitGroup
	over string // why the tree was killed, if it was
}

// watchMemory records the tree's PSS now into r.PSS0, then samples it
// every memEvery until stopped, keeping the largest in r.PSSMax; a tree
// past -maxpss is killed.
func watchMemory(srv *lab.Group, r *Run, maxPSS int) *memWatch {
	w := &memWatch{stop: make(chan struct{})}
	r.PSS0, _, _ = lab.TreePSS(srv.Pid())
	limit := int64(maxPSS) * 1024
	w.done.Go(func() {
		tick := time.NewTicker(memEvery)
		defer tick.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
			kB, n, err := lab.TreePSS(srv.Pid())
			if err != nil {
				continue // exiting
			}
			if kB > r.PSSMax {
				r.PSSMax, r.PSSProcs = kB, n
			}
			if limit > 0 && kB > limit {
				w.over = fmt.Sprintf("the server's %d processes passed -maxpss %d MiB: killed",
					n, maxPSS)
				srv.Kill(time.Second)
				return
			}
		}
	})
	return w
}

// end stops the sampling and returns why the tree was killed, or "".
func (w *memWatch) end() string {
	close(w.stop)
	w.done.Wait()
	return w.over
}

// loadTables writes the tables of a rate or conns sweep.
func (res *results) loadTables(w io.Writer) {
	ms := func(v float64) string { return strconv.FormatFloat(v, 'f', prec(v), 64) }
	latency := func(s summary) string {
		if s.LatRuns == 0 {
			return "client behind"
		}
		return ms(s.P99) + " / " + ms(s.P999)
	}
	res.sweepTable(w, "latency p99 / p99.9, ms, corrected (from the scheduled start), medians "+
		"of the runs where the client kept its schedule", latency)
	res.sweepTable(w, "latency p99, ms, uncorrected (from the actual start), median",
		func(s summary) string { return ms(s.RawP99) })
	unit := "connections"
	if res.Sweep == "conns" {
		unit = "requests"
	}
	res.sweepTable(w, "achieved "+unit+"/s, median; errors by kind, every run's together",
		func(s summary) string { return fmt.Sprintf("%.0f%s", s.Achieved, s.errorText()) })
	if res.Sweep == "conns" {
		res.sweepTable(w, "server memory per held connection, kB: PSS of the whole process tree "+
			"with the connections held, less before the client, ÷ connections held; median "+
			"(lowest–highest round)", func(s summary) string {
			if s.PSS == 0 {
				return "—"
			}
			return fmt.Sprintf("%.1f (%.1f–%.1f)", s.PSSPerConn, s.PSSPerConnLo, s.PSSPerConnHi)
		})
		res.sweepTable(w, "server PSS with the connections held, MiB, median; connections held",
			func(s summary) string { return fmt.Sprintf("%.1f; %.0f", s.PSS/1024, s.Held) })
	}
	res.sweepTable(w, "server CPU µs per "+unit[:len(unit)-1]+", start-up taken out, median",
		func(s summary) string { return fmt.Sprintf("%.0f", s.Net) })
	res.sweepTable(w, "client CPU µs per request, during the load, median",
		func(s summary) string { return fmt.Sprintf("%.1f", s.ClientPerRequest) })
	if len(res.Capacity) > 0 {
		fmt.Fprintf(w, "\nCapacity probe (closed loop, %d processes × -inflight %d), "+
			"connections/s:", res.Children, probeInflight)
		for _, name := range res.probed() {
			fmt.Fprintf(w, " %s %.0f;", name, res.Capacity[name])
		}
		fmt.Fprintln(w)
	}
}

// probed lists the probed designs in the order of the targets.
func (res *results) probed() []string {
	var out []string
	for _, t := range res.Targets {
		if _, ok := res.Capacity[t.Design]; ok && !slices.Contains(out, t.Design) {
			out = append(out, t.Design)
		}
	}
	return out
}

// errorText is " (N timed out, ... in R runs)" for a point with errors:
// every run's errors, by kind.
func (s summary) errorText() string {
	if s.Kinds == [5]int{} {
		return ""
	}
	names := []string{"refused", "reset", "timed out", "short reply", "other"}
	var parts []string
	for k, n := range s.Kinds {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, names[k]))
		}
	}
	return fmt.Sprintf(" (%s in %s)", strings.Join(parts, ", "), plural(s.OK, "run"))
}

// prec is how many decimals a latency in ms needs: three below 1 ms, two
// below 10, one below 100, none above.
func prec(v float64) int {
	switch {
	case v < 1:
		return 3
	case v < 10:
		return 2
	case v < 100:
		return 1
	}
	return 0
}
