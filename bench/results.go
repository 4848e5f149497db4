package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"unp-go.dev/lab"
)

// results is everything one bench run learnt; -json writes it as is.
type results struct {
	// What was measured and how: the repository's commit (+changes when
	// its code differed from it), when, and the bench's command line, with
	// this machine's paths taken out (lab.Sanitize).
	Commit    string            `json:"commit"`
	Date      string            `json:"date"`
	Command   string            `json:"command"`
	Machine   *lab.Machine      `json:"machine"`
	Client    string            `json:"client"`
	HTTP      bool              `json:"http,omitempty"` // every load over HTTP
	Rounds    int               `json:"rounds"`         // asked
	RoundsRun int               `json:"rounds_run"`     // done, within the -budget
	Stopped   string            `json:"stopped,omitempty"`
	Children  int               `json:"children"`
	Loops     int               `json:"loops"`
	Bytes     int               `json:"bytes"`
	Workers   int               `json:"workers"`
	Targets   []target          `json:"targets"`
	Skipped   map[string]string `json:"skipped,omitempty"`
	Notes     []string          `json:"notes,omitempty"`
	Runs      []Run             `json:"runs"`
	Summary   []summary         `json:"summary"`
	Sweep     string            `json:"sweep,omitempty"` // -sweep: workers or inflight
	// SweepConns is -conns: connections per run of an inflight sweep.
	SweepConns int `json:"sweep_connections,omitempty"`
	// The load of a -sweep rate or conns: each run offers it for Duration;
	// in a conns sweep each held connection sends a request every Every.
	Duration string `json:"duration,omitempty"`
	Every    string `json:"every,omitempty"`
	// Capacity is what the quick probe of a rate sweep measured, per
	// design, connections/s: the points run from a tenth of the lowest to
	// past the highest.
	Capacity map[string]float64 `json:"capacity,omitempty"`
}

// summary is one row of the table: medians over the runs that went well.
type summary struct {
	Name     string  `json:"name"`
	Row      int     `json:"row"`
	Series   string  `json:"series"`
	Desc     string  `json:"desc"`
	OK       int     `json:"ok_runs"`
	Tried    int     `json:"runs"`
	Wall     float64 `json:"wall_s"`
	ConnRate float64 `json:"connections_per_s"`
	CPU      float64 `json:"cpu_s"`
	OverBase float64 `json:"cpu_minus_baseline_s"`
	HasBase  bool    `json:"has_baseline"`
	Idle     float64 `json:"idle_cpu_s"` // started and interrupted with no client
	HasIdle  bool    `json:"has_idle"`
	PerConn  float64 `json:"cpu_us_per_connection"`
	Unit     string  `json:"unit,omitempty"`
	MinCount float64 `json:"min_count"`
	MaxCount float64 `json:"max_count"`
	Ratio    float64 `json:"-"` // may be +Inf, which JSON cannot hold
	// The extremes over rounds, for the chart's whiskers.
	PerConnLo, PerConnHi   float64
	ConnRateLo, ConnRateHi float64

	Group  string `json:"group,omitempty"`
	Design string `json:"design,omitempty"`
	Client string `json:"client,omitempty"` // where -client named several
	Point  int    `json:"point,omitempty"`  // in a sweep
	// Net is the CPU per connection once start-up and shutdown are taken
	// out: (CPU − the same round's idle CPU) / connections, in µs; its
	// median and extremes over the rounds.
	Net, NetLo, NetHi float64
	// The client's latency, ms, and its CPU, s: medians over the rounds.
	P50, P99, P999, Max, ClientCPU float64
	P99Lo, P99Hi                   float64
	// Kernel is the kernel's counts per connection (counts.go).
	Kernel *kernelSummary `json:"kernel,omitempty"`

	// The loads beyond the book's (-sweep rate, -sweep conns), medians
	// over the rounds. The latencies above are then the corrected ones,
	// from the runs where the client kept its schedule (LatRuns of them);
	// Behind counts the runs where it did not, which are left out.
	LatRuns, Behind  int     `json:",omitempty"`
	P999Lo, P999Hi   float64 `json:",omitempty"`
	RawP99           float64 `json:",omitempty"` // uncorrected
	Achieved         float64 `json:",omitempty"` // units answered a second
	Errors           float64 `json:",omitempty"` // errors a run
	Kinds            [5]int  `json:",omitzero"`  // errors by kind, all runs together
	ClientPerRequest float64 `json:",omitempty"` // the client's CPU µs a request
	ClientPerConn    float64 `json:",omitempty"` // the client's CPU µs a connection, all of it
	Held             float64 `json:",omitempty"` // connections held open
	// Memory: the server tree's PSS with the connections held, and per
	// held connection over the PSS before the client, kB.
	PSS, PSSPerConn, PSSPerConnLo, PSSPerConnHi float64 `json:",omitempty"`
}

func (res *results) skip(name, why string) {
	if res.Skipped == nil {
		res.Skipped = map[string]string{}
	}
	res.Skipped[name] = why
}

func (res *results) ranOnce(name string) bool {
	return slices.ContainsFunc(res.Runs, func(r Run) bool { return r.Name == name })
}

// failed reports whether any run that started went wrong.
func (res *results) failed() bool {
	return slices.ContainsFunc(res.Runs, func(r Run) bool { return !r.OK })
}

// summarize computes each row's medians, then the CPU over its baseline:
// serv00-iterative for the Go designs, the row-0 server of the same series
// ("C serv00" for "C serv05") for an external one.
func (res *results) summarize() {
	res.Summary = nil
	for _, t := range res.Targets {
		s := newSummary(t)
		var smp samples
		smp.collect(res.Runs, t.Name, &s)
		smp.medians(&s)
		s.Kernel = res.kernelSummary(t.Name)
		res.Summary = append(res.Summary, s)
	}
	res.baselines()
}

// newSummary is a target's row before its runs are counted.
func newSummary(t target) summary {
	s := summary{Name: t.Name, Row: t.Row, Series: t.Series, Desc: t.Desc, Group: t.Group,
		Design: t.Design, Point: t.Point, Client: t.Client}
	if s.Series == "" {
		s.Series = series(t.Name, t.External)
	}
	if s.Group == "" && t.External {
		s.Group = besideOf(t)
	} else if s.Group == "" {
		s.Group = t.Name
	}
	if t.External && t.Peer == "" {
		s.Desc = strings.Join(append([]string{filepath.Base(t.Argv[0])}, t.Argv[1:]...), " ")
	}
	return s
}

// samples are one row's values, a value per run that went well (per idle
// run for idle), whose medians and extremes make its summary.
type samples struct {
	wall, rate, cpu, perConn, lo, hi, ratio, idle, net []float64
	p50, p99, p999, pmax, ccpu, cperConn               []float64
	rawp99, achieved, errs, perReq, held, pss, perHeld []float64
}

// collect takes the samples of the row name from runs, and counts into s
// its runs, those that went well, the client's errors by kind and the
// runs where the client kept its schedule or not.
func (smp *samples) collect(runs []Run, name string, s *summary) {
	idleOf := map[int]float64{} // by round
	for _, r := range runs {
		if r.Name == name && r.Idle && r.OK {
			smp.idle = append(smp.idle, r.User+r.Sys)
			idleOf[r.Round] = r.User + r.Sys
		}
	}
	for _, r := range runs {
		if r.Name != name || r.Idle {
			continue
		}
		s.Tried++
		if !r.OK {
			continue
		}
		s.OK++
		smp.server(r, idleOf)
		if c := r.Client; c != nil {
			smp.client(r, c, s)
		}
		if len(r.Counts) > 0 {
			l, h, q := spread(r.Counts)
			smp.lo, smp.hi = append(smp.lo, float64(l)), append(smp.hi, float64(h))
			smp.ratio = append(smp.ratio, q)
			s.Unit = r.Unit
		}
	}
}

// server takes a run's server-side samples: its time, rate and CPU, per
// connection with and without the same round's idle CPU.
func (smp *samples) server(r Run, idleOf map[int]float64) {
	smp.wall = append(smp.wall, r.Wall)
	smp.rate = append(smp.rate, float64(r.Conns)/r.Wall)
	smp.cpu = append(smp.cpu, r.User+r.Sys)
	if r.Conns > 0 { // a held-connection run may have none answered
		smp.perConn = append(smp.perConn, (r.User+r.Sys)/float64(r.Conns)*1e6)
		if i, ok := idleOf[r.Round]; ok {
			smp.net = append(smp.net, (r.User+r.Sys-i)/float64(r.Conns)*1e6)
		}
	}
}

// client takes a run's client-side samples: the loads' report, and the
// latencies where the client kept its schedule.
func (smp *samples) client(r Run, c *clientResult, s *summary) {
	if c.Report {
		smp.achieved, smp.errs = append(smp.achieved, c.Achieved), append(smp.errs, float64(c.Errors))
		smp.perReq, smp.rawp99 = append(smp.perReq, c.PerRequest), append(smp.rawp99, c.RawP99)
		for k, n := range c.Kinds {
			s.Kinds[k] += n
		}
		if c.Held > 0 {
			smp.held = append(smp.held, float64(c.Held))
		}
		if r.PSSMax > 0 {
			smp.pss = append(smp.pss, float64(r.PSSMax))
		}
		if r.PSSMax > 0 && c.Held > 0 {
			smp.perHeld = append(smp.perHeld, float64(r.PSSMax-r.PSS0)/float64(c.Held))
		}
	}
	if c.Behind {
		s.Behind++ // the client's lateness is in its latencies: not the server's
	} else if c.Summary && (!c.Report || c.Conns > 0) {
		s.LatRuns++
		smp.p50, smp.p99 = append(smp.p50, c.P50), append(smp.p99, c.P99)
		if c.Tail {
			smp.p999, smp.pmax = append(smp.p999, c.P999), append(smp.pmax, c.Max)
		}
	}
	smp.ccpu = append(smp.ccpu, r.ClientCPU)
	if r.Conns > 0 {
		smp.cperConn = append(smp.cperConn, r.ClientCPU/float64(r.Conns)*1e6)
	}
}

// medians writes the samples' medians and extremes into s.
func (smp *samples) medians(s *summary) {
	s.Wall, _ = median(smp.wall)
	s.ConnRate, _ = median(smp.rate)
	s.CPU, _ = median(smp.cpu)
	s.Idle, s.HasIdle = median(smp.idle)
	s.PerConn, _ = median(smp.perConn)
	s.MinCount, _ = median(smp.lo)
	s.MaxCount, _ = median(smp.hi)
	s.Ratio, _ = median(smp.ratio)
	s.Net, _ = median(smp.net)
	s.P50, _ = median(smp.p50)
	s.P99, _ = median(smp.p99)
	s.P999, _ = median(smp.p999)
	s.Max, _ = median(smp.pmax)
	s.ClientCPU, _ = median(smp.ccpu)
	s.ClientPerConn, _ = median(smp.cperConn)
	s.RawP99, _ = median(smp.rawp99)
	s.Achieved, _ = median(smp.achieved)
	s.Errors, _ = median(smp.errs)
	s.ClientPerRequest, _ = median(smp.perReq)
	s.Held, _ = median(smp.held)
	s.PSS, _ = median(smp.pss)
	s.PSSPerConn, _ = median(smp.perHeld)
	s.NetLo, s.NetHi = extremes(smp.net)
	s.P99Lo, s.P99Hi = extremes(smp.p99)
	s.P999Lo, s.P999Hi = extremes(smp.p999)
	s.PSSPerConnLo, s.PSSPerConnHi = extremes(smp.perHeld)
	s.PerConnLo, s.PerConnHi = extremes(smp.perConn)
	s.ConnRateLo, s.ConnRateHi = extremes(smp.rate)
}

// extremes is the lowest and the highest of xs, zeros if there are none.
func extremes(xs []float64) (lo, hi float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	return slices.Min(xs), slices.Max(xs)
}

// baselines sets each row's CPU over its baseline: the row 0 of its
// series, or Go's serv00 for the runtime and floor rows.
func (res *results) baselines() {
	base := func(series string) int {
		return slices.IndexFunc(res.Summary, func(b summary) bool {
			return b.Row == 0 && b.Series == series && b.OK > 0
		})
	}
	for i, s := range res.Summary {
		j := base(s.Series)
		if j < 0 && !res.isExternal(s.Name) {
			j = base("Go")
		}
		if j >= 0 && s.OK > 0 {
			res.Summary[i].OverBase = s.CPU - res.Summary[j].CPU
			res.Summary[i].HasBase = true
		}
	}
}

// markdown writes the machine, the load and the table, laid out like
// Figure 30.1, then a note for every row that did not run cleanly.
func (res *results) markdown(w io.Writer) {
	m := res.Machine
	fmt.Fprintf(w, "Figure 30.1 on %s, %d cores, %s, %s; load average %s before, %s after.\n",
		m.CPU, m.Cores, m.Kernel, m.Go, m.LoadBefore, m.LoadAfter)
	fmt.Fprintf(w, "Load: `%s` (%d connections per run) against %d children or threads; "+
		"medians of %s, interleaved%s.\n\n",
		res.Client, res.Children*res.Loops, res.Workers, plural(res.RoundsRun, "round"),
		parens(res.Stopped))
	fmt.Fprintln(w, "| row | server | design | CPU s | CPU − serv00 s | idle CPU s | CPU µs/conn "+
		"| wall s | conn/s | per child/thread min–max (ratio) |")
	fmt.Fprintln(w, "|---:|---|---|---:|---:|---:|---:|---:|---:|---|")
	for _, s := range res.Summary {
		row := "—"
		if s.Row >= 0 {
			row = fmt.Sprint(s.Row)
		}
		if res.Skipped[s.Name] != "" {
			fmt.Fprintf(w, "| %s | %s | %s | skipped | | | | | | |\n", row, s.Name, s.Desc)
			continue
		}
		if s.OK == 0 {
			fmt.Fprintf(w, "| %s | %s | %s | failed | | | | | | |\n", row, s.Name, s.Desc)
			continue
		}
		over := "—"
		if s.HasBase {
			over = fmt.Sprintf("%.3f", s.OverBase)
		}
		idle := "—"
		if s.HasIdle {
			idle = fmt.Sprintf("%.3f", s.Idle)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.3f | %s | %s | %.0f | %.3f | %.0f | %s |\n",
			row, s.Name, s.Desc, s.CPU, over, idle, s.PerConn, s.Wall, s.ConnRate, s.spreadText())
	}
	fmt.Fprintln(w)
	if others := res.otherCores(); len(others) > 0 {
		med, _ := median(others)
		fmt.Fprintf(w, "Noise: besides the server and the client, other work kept %.2f of the %d "+
			"cores busy during the median client run (%.2f–%.2f over all runs).\n",
			med, m.Cores, slices.Min(others), slices.Max(others))
	}
	fmt.Fprintln(w, "CPU is the user + sys time the server printed on SIGINT (itself and its reaped "+
		"children, start-up included); idle CPU the same for a run with no client (start-up "+
		"and shutdown alone); µs/conn is CPU / connections; wall is the client's run, "+
		"start to exit.")
	res.writeNotes(w)
}

// writeNotes writes the run's notes, then one for each row that was
// skipped or had runs that failed, a line each.
func (res *results) writeNotes(w io.Writer) {
	notes := slices.Clone(res.Notes)
	for _, s := range res.Summary {
		if why := res.Skipped[s.Name]; why != "" {
			notes = append(notes, fmt.Sprintf("%s skipped: %s", s.Name, why))
		} else if s.OK < s.Tried {
			notes = append(notes, fmt.Sprintf("%s: %d of %d runs failed: %s",
				s.Name, s.Tried-s.OK, s.Tried, res.firstError(s.Name)))
		}
	}
	for _, n := range notes {
		fmt.Fprintf(w, "\n- %s", n)
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
	}
}

// versus writes, for each external series, a table of Go against it on
// the rows both have: the ratios the targets are stated in.
func (res *results) versus(w io.Writer) {
	var series []string
	for _, s := range res.Summary {
		if res.isExternal(s.Name) && !slices.Contains(series, s.Series) {
			series = append(series, s.Series)
		}
	}
	for _, other := range series {
		var rows []string
		for _, g := range res.Summary {
			if g.Series != "Go" || g.OK == 0 {
				continue
			}
			j := slices.IndexFunc(res.Summary, func(o summary) bool {
				return o.Series == other && o.Group == g.Name && o.OK > 0
			})
			if j < 0 {
				continue
			}
			o := res.Summary[j]
			net := "—" // (CPU − idle CPU), when both have an idle run: the cost past start-up
			if g.HasIdle && o.HasIdle && o.CPU > o.Idle {
				net = fmt.Sprintf("%.2f", (g.CPU-g.Idle)/(o.CPU-o.Idle))
			}
			rows = append(rows, fmt.Sprintf("| %d | %s | %s | %.2f | %s | %.2f |", g.Row, g.Name,
				o.Name, g.PerConn/o.PerConn, net, g.ConnRate/o.ConnRate))
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nGo against %s (medians; CPU below 1 and connections/s above 1 favour Go):\n\n", other)
		fmt.Fprintf(w, "| row | Go | %s | CPU µs/conn, Go ÷ %s | CPU − idle CPU, Go ÷ %s | "+
			"conn/s, Go ÷ %s |\n", other, other, other, other)
		fmt.Fprintln(w, "|---:|---|---|---:|---:|---:|")
		for _, r := range rows {
			fmt.Fprintln(w, r)
		}
	}
}

func (res *results) isExternal(name string) bool {
	return slices.ContainsFunc(res.Targets, func(t target) bool { return t.Name == name && t.External })
}

func (s summary) spreadText() string {
	if s.Unit == "" {
		return "—"
	}
	ratio := "∞"
	if !math.IsInf(s.Ratio, 1) {
		ratio = fmt.Sprintf("%.2f×", s.Ratio)
	}
	unit := map[string]string{"child": "children", "thread": "threads"}[s.Unit]
	return fmt.Sprintf("%s %.0f–%.0f (%s)", unit, s.MinCount, s.MaxCount, ratio)
}

func (res *results) firstError(name string) string {
	for _, r := range res.Runs {
		if r.Name == name && !r.OK {
			return fmt.Sprintf("round %d: %s", r.Round, r.Err)
		}
	}
	return ""
}

// writeJSON keeps the run in path, as the bench's -readme and -replot
// read it back, with no path of this machine in it.
func (res *results) writeJSON(path string) error {
	kept := *res
	kept.Client = lab.Sanitize(res.Client)
	kept.Notes = sanitized(res.Notes)
	kept.Targets = slices.Clone(res.Targets)
	for i, t := range kept.Targets {
		kept.Targets[i].Argv = sanitized(t.Argv)
		kept.Targets[i].Desc = lab.Sanitize(t.Desc)
	}
	kept.Runs = slices.Clone(res.Runs)
	for i, r := range kept.Runs {
		kept.Runs[i].Err = lab.Sanitize(r.Err)
	}
	kept.Skipped = map[string]string{}
	for k, v := range res.Skipped {
		kept.Skipped[k] = lab.Sanitize(v)
	}
	data, err := json.MarshalIndent(&kept, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

func sanitized(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = lab.Sanitize(x)
	}
	return out
}

// plural writes 1 round, 5 rounds.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func parens(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// otherCores lists, for every loaded run that went well, how many cores
// other work kept busy.
func (res *results) otherCores() []float64 {
	var out []float64
	for _, r := range res.Runs {
		if r.OK && !r.Idle {
			out = append(out, r.otherCores())
		}
	}
	return out
}
