// See UNPv1 3e, Figure 30.1 (section 30.1, "Timing of the various servers").

// Bench reruns the book's Figure 30.1 on this machine: the server CPU time
// of every design of chapter 30 under one client load, minus the CPU time
// of the iterative server, which does the same work with no process or
// thread control at all.
//
// It builds every server and the client once, into a temporary directory.
// Then, round after round, it starts each design on 127.0.0.1 port 0
// (ready when its UNP_ADDR_FILE appears), runs the client with the book's
// load (5 children, 500 connections each, 4000 bytes per reply: 2500
// connections), interrupts the server and reads what it prints: the CPU
// line and, for the pooled designs, the connections each child or thread
// served. The rounds interleave the designs (round 1 of every design, then
// round 2, ...) so that a burst of load from elsewhere on the machine hits
// all of them alike; the table gives medians. Each round also starts and
// interrupts every design with no client (its idle CPU), and measures how
// busy other work kept the machine while the client ran.
//
// Departure: Figure 30.1 has CPU time only; this one adds wall time,
// connections/s, CPU per connection and the per-child spread the book
// counts with its meter, because on one shared machine the rate is what a
// reader notices.
//
// The designs are the entries of the one list, lab.Designs: its name,
// program, flags, row and wording make each Go row, and the C program it
// names the C row beside it. The command line is parsed once into a config
// (config.go) and the run goes one way: plan (build, make the targets),
// measure (run.go), keep (-json), render (the tables, -svg).
//
// Beside the book's nine rows the table has the book's select-collision
// experiment (serv02-select: select, then accept, as child02l.c does) and
// the designs beyond the book:
// serv09-reuseport, serv10-epoll plainly and with -exclusive
// (serv10-exclusive), serv11-netpoll with a goroutine per client and with a
// pool (serv11-netpool), serv12-uring on the shared listener and with
// -reuseport (serv12-reuseport). -runtime adds, after each process design, the
// same design built with -tags noschedpoint (unp/sched.go's mechanism left
// out);
// -floor adds serv01's floor (floor.go).
//
// -sweep workers or -sweep inflight draws Figure 30.1 as curves instead
// (sweep.go): the CPU per connection, start-up taken out, and the rate or
// the latency, as the number of children or threads, or of connections in
// flight, grows. -sweep rate and -sweep conns go beyond the book's load
// (loads.go): latency against an offered rate (an open loop), and memory
// and latency against the number of connections held open at once.
//
// -book DIR builds the book's own C client and servers from DIR, a copy of
// its source (book.go), and runs them beside the Go designs, the book's
// client driving both. Any other program that speaks the protocol and
// prints the book's report can stand beside them too:
//
//	go run ./bench -server 'mine=./myserver 127.0.0.1 {port} 15'
//
// -json FILE keeps a run, machine, commit and command included; the READMEs'
// tables and charts are rendered from the runs kept in bench/results by
// -readme (readme.go), never typed.
//
// The table goes to standard output, progress to standard error.
// Everything is bounded: each start, client run and shutdown has a
// timeout, each server and client runs in its own process group, and the
// group is killed on any failure, so no process outlives the bench.
//
// Usage:
//
//	bench [-rounds N] [-budget D] [-n N] [-children N] [-loops N] [-bytes N]
//	      [-designs LIST] [-book DIR] [-server 'NAME=PROG ARGS'] ... [-client PROG]
//	      [-bin DIR] [-json FILE] [-svg FILE] [-timeout D] [-runtime] [-floor]
//	bench -sweep workers|inflight [-points LIST] [-conns N] [flags as above]
//	bench -sweep rate|conns [-points LIST] [-duration D] [-every D] [-maxpss MiB] [flags as above]
//	bench -replot FILE.json [-svg FILE]
//	bench -readme
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/lab"
	"unp-go.dev/unp"
)

// target is one row of the table: a Go design or an external server.
type target struct {
	Name     string
	Row      int      // the book's row, -1 if unknown
	Desc     string   // what the row is
	External bool     // from -server: a real port, readiness by connecting
	Argv     []string // program and arguments; "{port}" in external ones
	// Group is the chart's bar group (a design's name), Series the bar's
	// colour in it: "Go", "C", "noschedpoint", "floor".
	Group  string   `json:",omitempty"`
	Series string   `json:",omitempty"`
	Env    []string `json:",omitempty"` // added to the server's environment
	// Pooled: an external row whose last argument is its #children or
	// #threads, which a worker sweep sets.
	Pooled bool `json:",omitempty"`
	// Floor: no server; exec, exit and wait of the serv01 child, per
	// connection (see floor.go).
	Floor bool `json:",omitempty"`
	// The load: client processes, connections in flight per process
	// (-inflight), connections per client; 0 takes the flag's value.
	Children, Inflight, Loops int `json:",omitempty"`
	// In a sweep: the design and the point on the x axis.
	Design string `json:",omitempty"`
	Point  int    `json:",omitempty"`
	// Peer: a server people run (peers.go), configured for each run;
	// Client: the client that loads the row, where -client names several.
	Peer   string `json:",omitempty"`
	Client string `json:",omitempty"`
}

func usage(fs *flag.FlagSet) {
	fmt.Fprintf(os.Stderr, `usage: bench [flags]

Bench reruns the book's Figure 30.1 (server CPU time per design, minus the
iterative server's) on this machine. It builds every server and the client
from the repository it finds above the current directory (or takes them from
-bin DIR, or from PATH when there is no repository), and for each round and
design: starts the server on 127.0.0.1 port 0, runs the client, sends SIGINT
and reads the server's report. It prints a Markdown table of medians on
standard output and its progress on standard error.

The default load is the book's: client 5 500 4000 (2500 connections) against
15 children or threads, 5 rounds. The load of a run is never scaled down; to
keep the default run under two minutes on a small machine, -budget stops
starting new rounds instead, and the table says how many rounds it ran. On a
busy 2-core machine serv01-fork alone (an exec per connection) can take 30 s
a round, and then the default run has 2 or 3 rounds; use -budget 0 for all 5.

-sweep workers runs the herd (serv02, serv02-select, serv03, serv04, serv05,
serv07, serv08, serv09, serv10 and serv12 in both modes, or -designs) at 1, 2, 4,
... 128 children or threads; -sweep inflight runs every design at 1, 5, 10,
... 500 connections in flight (the client's -inflight). Each prints a table
per measure, one row per design, one column per point; -svg draws them as
lines. The -budget applies as to the table: by default a sweep runs the
rounds that fit in it (the quick sweep, a few minutes), with -budget 0 all
of them.

-sweep rate offers every design connections at fixed rates (our client's
-rate, an open loop) for -duration each: -points, or rates from a tenth of
the lowest capacity a quick probe finds to twice the highest, each design up
to twice its own; its chart is latency p99 and p99.9, corrected, against the
offered rate. -sweep conns holds 10 to 10,000 connections open (our
client's -conns), each sending a request every -every for -duration, and
measures the PSS of the server's process tree while they are held: its
chart is memory per held connection and p99. In both, client errors are
counted by kind and tabled, not failures, and the bench raises its
descriptor limit for the servers and says so. The C servers of -book or
-server run beside the Go, driven by our client. With -realtime (the
default) the event loop of the client of these loads runs at real-time
priority (client -realtime), where the bench may set it: beside a server
that fills the cores, a client that waits for a time slice each time its
timer fires starts its connections late, and its lateness would be read
as the server's.

A design that does not build or start is skipped, with a note. The exit
status is 1 if any run that started failed (client errors, no report, a
process left behind), 2 for a bad command line.

Flags:
`)
	fs.PrintDefaults()
	fmt.Fprintf(os.Stderr, `
Example, the Go designs beside the book's C, built from the book's source
(git clone https://github.com/unpbook/unpv13e), the book's client for both:

  go run ./bench -book ../unpv13e -budget 0 -json bench/results/figure-30-1.json
  go run ./bench -readme     # the READMEs' tables and charts, from bench/results
`)
}

func main() {
	c, err := parseConfig(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	} else if err != nil {
		os.Exit(2)
	}
	switch {
	case c.replot != "":
		os.Exit(replotFrom(c.replot, c.svg))
	case c.readme:
		os.Exit(lab.WriteReadmes("bench", regenerate))
	}
	tmp, err := os.MkdirTemp("", "unp-bench-")
	if err != nil {
		unp.Err_sys(err, "temporary directory")
	}
	onSignal(tmp)
	// Orphans of a server or client (children whose parent died first) come
	// to the bench, which reaps them, instead of to init, which on some
	// containers never does: a zombie would look like a live leftover.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		unp.Err_sys(err, "prctl PR_SET_CHILD_SUBREAPER")
	}
	status := bench(c, tmp)
	os.RemoveAll(tmp)
	os.Exit(status)
}

// bench is the pipeline, one way from the command line to the files:
// plan the runs (build the programs, make the targets), measure them, keep
// the results (-json), render them (the tables on standard output, -svg).
// It returns the exit status: 0 when every run that started went well, 1
// otherwise, 2 when there was nothing to run.
func bench(c *config, tmp string) int {
	p, status := c.plan(tmp)
	if status != 0 {
		return status
	}
	res := c.measure(tmp, p)
	if err := res.keep(c.json); err != nil {
		unp.Err_msg("-json: %v", err)
		return 1
	}
	if res.render(os.Stdout, c.svg) != 0 || res.failed() {
		return 1
	}
	return 0
}

// replotFrom reads a kept run and renders its tables and chart again.
func replotFrom(path, svg string) int {
	res, err := readResults(path)
	if err != nil {
		unp.Err_msg("-replot: %v", err)
		return 1
	}
	return res.render(os.Stdout, svg)
}

// onSignal makes Ctrl-C or SIGTERM kill every server and client still
// running, remove the temporary directory and exit.
func onSignal(tmp string) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sigs
		lab.StopAll(2 * time.Second)
		os.RemoveAll(tmp)
		unp.Err_msg("%v: stopped, every server and client killed", s)
		os.Exit(1)
	}()
}

// A plan is what the runs need: the client to run, by path and as the
// results name it, the targets in the table's order, notes on what could
// not be built, and a rate sweep's capacities.
type plan struct {
	loaders []loader // -client's, the first the one a row without its own runs
	targets []target
	notes   []string
	caps    map[string]float64
}

// loaderFor is the client that loads target t.
func (p *plan) loaderFor(t target) loader {
	for _, ld := range p.loaders {
		if ld.Name == t.Client {
			return ld
		}
	}
	return p.loaders[0]
}

// plan builds or finds the programs and makes the targets; a status other
// than 0 means there is nothing to run.
func (c *config) plan(tmp string) (plan, int) {
	progs := []string{"client"}
	if c.peers {
		progs = append(progs, "bench/nethttp")
	}
	for _, d := range c.designs {
		if !slices.Contains(progs, d.Dir) {
			progs = append(progs, d.Dir)
		}
		if c.runtime && d.Forks && !d.Raw && !slices.Contains(progs, experiment+"/"+d.Dir) {
			progs = append(progs, experiment+"/"+d.Dir)
		}
	}
	paths, notes := c.programs(tmp, progs)
	p := plan{notes: notes}
	if c.book != "" {
		if status := c.bookRows(&p); status != 0 {
			return p, status
		}
	}
	if status := c.chooseLoaders(&p, paths["client"]); status != 0 {
		return p, status
	}
	switch c.sweep {
	case "":
		ext := c.servers
		if c.peers {
			more, notes := c.peerTargets(paths)
			ext, p.notes = append(slices.Clone(ext), more...), append(p.notes, notes...)
			for _, n := range notes {
				unp.Err_msg("%s", n)
			}
		}
		p.targets = p.perLoader(place(c.tableTargets(paths), ext))
	case "rate", "conns":
		raiseNofile(loadNofile(c.sweep, c.points))
		pts := c.points
		if c.sweep == "rate" {
			var status int
			if pts, status = c.ratePoints(tmp, paths, &p); status != 0 {
				return p, status
			}
		}
		p.targets = slices.DeleteFunc(c.sweepTargets(c.sweep, paths, c.servers, pts),
			func(t target) bool { return c.sweep == "rate" && !rateKeep(p.caps[t.Design], t.Point) })
	default:
		p.targets = c.sweepTargets(c.sweep, paths, c.servers, c.points)
	}
	if err := c.checkBreakdown(p.targets); err != nil {
		unp.Err_msg("%v", err)
		return p, 2
	}
	return p, 0
}

// bookRows builds the book's C programs (-book) and adds the C servers
// that stand beside a chosen design as -server rows; the book's client
// drives the table and a worker sweep (it has no -inflight, -rate or
// -conns).
func (c *config) bookRows(p *plan) int {
	cbin, err := bookBuild(c.book)
	if err != nil {
		unp.Err_msg("-book: %v", err)
		return 1
	}
	unp.Err_msg("the book's C programs: %s", cbin)
	if c.http { // the book's servers and client speak its line alone
		p.notes = append(p.notes, "-http: the book's C servers and client, which speak only "+
			"its protocol, are left out")
		return 0
	}
	for _, t := range bookServers(cbin, c.workers) {
		if t.Row == 0 || slices.ContainsFunc(c.designs, func(d lab.Design) bool {
			return d.C == t.Name
		}) {
			c.servers = append(c.servers, t)
		}
	}
	if (c.sweep == "" || c.sweep == "workers") && len(c.clients) == 0 {
		p.loaders = []loader{{Name: "the book's C", Kind: "book",
			Path: filepath.Join(cbin, "client")}}
	}
	return 0
}

// chooseLoaders resolves -client: ours by default (ours is the program
// built as "client"), unless -book put the book's C client first; a web
// client that is not installed is skipped with a note naming its package.
func (c *config) chooseLoaders(p *plan, ours string) int {
	for _, name := range c.clients {
		switch name {
		case "ours":
			p.loaders = append(p.loaders, loader{Name: "ours", Kind: "book", Path: ours})
		case "ab", "wrk", "wrk-keepalive":
			ld, err := webLoader(name)
			if err != nil {
				p.notes = append(p.notes, "-client "+name+": skipped: "+err.Error())
				unp.Err_msg("%s", p.notes[len(p.notes)-1])
				continue
			}
			p.loaders = append(p.loaders, ld)
		default:
			p.loaders = append(p.loaders, loader{Name: name, Kind: "book", Path: resolve(name)})
		}
	}
	if len(p.loaders) == 0 {
		p.loaders = []loader{{Name: "ours", Kind: "book", Path: ours}}
	}
	for _, ld := range p.loaders {
		if ld.Path == "" {
			unp.Err_msg("no client %s to run", ld.Name)
			return 2
		}
	}
	return 0
}

// perLoader makes every target a row per client when there are several:
// "serv02-prefork · ab", its Client the loader's name and its Design the
// server's row, so that the tables can set them side by side.
func (p *plan) perLoader(ts []target) []target {
	if len(p.loaders) < 2 {
		return ts
	}
	var out []target
	for _, t := range ts {
		for _, ld := range p.loaders {
			u := t
			u.Name, u.Client = t.Name+" · "+ld.Name, ld.Name
			if u.Design == "" {
				u.Design = t.Name
			}
			out = append(out, u)
		}
	}
	return out
}

// ratePoints probes each design's capacity and returns the rate sweep's
// points: those given, or spread over the capacities; either way each
// design runs only those up to kneeFactor times its own (rateKeep).
func (c *config) ratePoints(tmp string, paths map[string]string, p *plan) ([]int, int) {
	var more []string
	p.caps, more = c.probeCapacity(tmp, p.loaders[0], c.sweepTargets("probe", paths, c.servers, nil))
	p.notes = append(p.notes, more...)
	if c.points != nil {
		return c.points, 0
	}
	var known []float64
	for _, cp := range p.caps {
		if cp > 0 {
			known = append(known, cp)
		}
	}
	pts := ratePoints(known, ratePointsN)
	if pts == nil {
		unp.Err_msg("-sweep rate: no design's capacity probe worked; give -points")
		return nil, 1
	}
	unp.Err_msg("offered rates from the probe: %v connections/s", pts)
	return pts, 0
}

// measure runs the plan, round after round, into a run's results.
func (c *config) measure(tmp string, p plan) *results {
	m := lab.DescribeMachine()
	res := &results{Commit: lab.Commit(), Date: c.started.UTC().Format("2006-01-02 15:04 UTC"),
		Command: lab.CommandLine("go run ./bench", c.args), Machine: m,
		Client: c.clientLine(p.loaders), HTTP: c.http, Rounds: c.rounds, Children: c.load.children,
		Loops: c.load.loops, Bytes: c.bytes, Workers: c.workers, Targets: p.targets,
		Notes: p.notes, Sweep: c.sweep, SweepConns: c.conns, Capacity: p.caps}
	if c.sweep == "rate" || c.sweep == "conns" {
		res.Duration = c.duration.String()
		if c.sweep == "conns" {
			res.Every = c.every.String()
		}
	}
	for _, t := range p.targets {
		if t.Argv[0] == "" {
			res.skip(t.Name, "not built")
		}
	}
	c.runAll(tmp, &p, res)
	m.LoadAfter = lab.LoadAvg()
	res.summarize()
	return res
}

// keep writes the run's raw numbers to path, if there is one.
func (res *results) keep(path string) error {
	if path == "" {
		return nil
	}
	return res.writeJSON(path)
}

// render prints the table or the sweep's tables to w and, with a path,
// writes the chart there.
func (res *results) render(w io.Writer, svg string) int {
	switch {
	case res.Sweep == "" && res.HTTP:
		res.httpMarkdown(w)
		res.countsMarkdown(w)
	case res.Sweep == "":
		res.markdown(w)
		res.versus(w)
		res.countsMarkdown(w)
	default:
		res.sweepMarkdown(w)
	}
	if svg != "" {
		chart := res.svg
		if res.Sweep != "" {
			chart = res.sweepSVG
		} else if res.HTTP {
			chart = res.httpChartRun().svg
		}
		if err := os.WriteFile(svg, chart(), 0o644); err != nil {
			unp.Err_msg("-svg: %v", err)
			return 1
		}
	}
	return 0
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
