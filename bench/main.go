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
// Departure: the book's table has CPU time only; this one adds wall time,
// connections/s, CPU per connection and the per-child spread the book
// counts with its meter, because on one shared machine the rate is what a
// reader notices.
//
// Beside the book's nine rows the table has the book's select-collision
// experiment (serv02-select: select, then accept, as child02l.c does) and
// the designs beyond the book:
// serv09-reuseport, serv10-epoll plainly and with -exclusive
// (serv10-exclusive), serv11-netpoll with a goroutine per client and with a
// pool (serv11-netpool), serv12-uring on the shared listener and with
// -reuseport (serv12-reuseport). -runtime adds, after each process design, the
// same design run with UNP_SCHEDPOINT=0 (unp/sched.go's mechanism off);
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
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
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
	// colour in it: "Go", "C", "UNP_SCHEDPOINT=0", "floor".
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
}

var (
	rounds    = flag.Int("rounds", 5, "`N` rounds; each round runs every design once")
	nworkers  = flag.Int("n", 15, "`N` children or threads for the pooled designs")
	children  = flag.Int("children", 5, "`N` client processes")
	loops     = flag.Int("loops", 500, "`N` connections per client process")
	nbytes    = flag.Int("bytes", 4000, "`N` bytes per reply")
	designArg = flag.String("designs", "all", "comma-separated `LIST` of designs "+
		"(serv03-flock, serv03 or 3);\nserv00-iterative always runs: it is the baseline")
	clientArg = flag.String("client", "", "client `PROG` to use instead of ours; it gets the "+
		"book's arguments:\nhost port #children #loops/child #bytes/request")
	bookDir = flag.String("book", "", "build the book's C client and servers from `DIR`, "+
		"a copy of its source (unpv13e),\nand run them beside the Go: the C rows, and the C "+
		"curves of a worker sweep")
	binDir   = flag.String("bin", "", "use prebuilt programs in `DIR` instead of building them")
	jsonFile = flag.String("json", "", "write every run's raw numbers to `FILE`")
	svgFile  = flag.String("svg", "", "write a chart of CPU µs/connection and connections/s to `FILE`")
	budget   = flag.Duration("budget", 105*time.Second, "start no round that would end "+
		"past this much time since the bench started\n(0: no limit); the first round always runs")
	timeout = flag.Duration("timeout", 2*time.Minute, "bound on one client run; "+
		"a server gets 10s to be ready and 10s to exit")
	runtimeRows = flag.Bool("runtime", false, "add, after each process design, its row with "+
		"UNP_SCHEDPOINT=0:\nthe runtime mechanism of unp/sched.go turned off")
	floorRow = flag.Bool("floor", false, "add serv01's floor after serv01-fork: exec, exit and "+
		"wait of its child\nbinary doing nothing, once per connection")
	sweep = flag.String("sweep", "", "instead of the table, sweep `WHAT`: workers (children or "+
		"threads,\n-points, default 1..128), inflight (connections in flight, default 1..500),\n"+
		"rate (offered connections/s, default from a capacity probe) or conns (held\n"+
		"connections, default 10..10000)")
	pointsArg = flag.String("points", "", "comma-separated `LIST` of the sweep's points")
	replot    = flag.String("replot", "", "run nothing: print the table (or sweep tables) and "+
		"write -svg\nfrom the raw numbers a -json run kept in `FILE`")
	readme = flag.Bool("readme", false, "run nothing: write every table and chart of the "+
		"READMEs again\nfrom the runs kept in bench/results (see readme.go)")
	sweepConns = flag.Int("conns", 0, "`N` connections per run of an inflight sweep "+
		"(default -children × -loops)")
	loadDuration = flag.Duration("duration", 5*time.Second, "how long each run of a rate or "+
		"conns sweep offers its load")
	every = flag.Duration("every", time.Second, "in a conns sweep, each held connection sends "+
		"a request every `D`")
	realtime = flag.Bool("realtime", true, "in a rate or conns sweep, run the client's event "+
		"loop at real-time\npriority (client -realtime) where allowed, so that it keeps its schedule")
	maxPSS = flag.Int("maxpss", 4096, "in a conns sweep, kill a server whose process tree "+
		"passes `MiB` of PSS (0: no limit)")
	servers serverFlags
)

func init() {
	flag.Var(&servers, "server", "add an external server row: `'NAME=PROG ARGS'`, where ARGS "+
		"hold 127.0.0.1\nand {port}, a free port the bench picks; readiness by connecting.\n"+
		"A name holding servNN (\"C serv05\") puts the row beside that design. Repeatable.")
}

// serverFlags collects -server flags.
type serverFlags []target

func (s *serverFlags) String() string { return "" }

func (s *serverFlags) Set(v string) error {
	name, cmdline, ok := strings.Cut(v, "=")
	argv := strings.Fields(cmdline)
	name = strings.TrimSpace(name)
	switch {
	case !ok || name == "" || len(argv) == 0:
		return errors.New("want NAME=PROG ARGS")
	case !slices.ContainsFunc(argv[1:], func(a string) bool { return strings.Contains(a, "{port}") }):
		return errors.New("no {port} in the arguments")
	case !slices.Contains(argv[1:], "127.0.0.1"):
		return errors.New("the arguments must name host 127.0.0.1: the bench only uses loopback")
	}
	if argv[0] = resolve(argv[0]); argv[0] == "" {
		return fmt.Errorf("no program %s", strings.Fields(cmdline)[0])
	}
	_, err := strconv.Atoi(argv[len(argv)-1])
	*s = append(*s, target{Name: name, Row: designRow(name), Desc: strings.Join(argv, " "),
		External: true, Argv: argv, Pooled: len(argv) > 3 && err == nil})
	return nil
}

func usage() {
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
	flag.PrintDefaults()
	fmt.Fprintf(os.Stderr, `
Example, the Go designs beside the book's C, built from the book's source
(git clone https://github.com/unpbook/unpv13e), the book's client for both:

  go run ./bench -book ../unpv13e -budget 0 -json bench/results/figure-30-1.json
  go run ./bench -readme     # the READMEs' tables and charts, from bench/results
`)
}

// started is when the bench started, for -budget.
var started = time.Now()

func main() {
	flag.Usage = usage
	flag.Parse()
	if flag.NArg() != 0 || *rounds < 1 || *nworkers < 1 || *children < 1 || *loops < 1 ||
		*nbytes < 1 || *nbytes > unp.MAXN || *timeout <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	if *replot != "" {
		os.Exit(replotFrom(*replot))
	}
	if *readme {
		os.Exit(lab.WriteReadmes("bench", regenerate))
	}
	chosen, err := chooseDesigns(*designArg)
	if err != nil {
		unp.Err_msg("-designs: %v", err)
		os.Exit(2)
	}
	if *sweep != "" {
		if !slices.Contains([]string{"workers", "inflight", "rate", "conns"}, *sweep) {
			unp.Err_msg("-sweep: want workers, inflight, rate or conns, not %q", *sweep)
			os.Exit(2)
		}
		if *loadDuration <= 0 || *every <= 0 || *maxPSS < 0 {
			unp.Err_msg("-duration and -every want a time above 0, -maxpss a size of 0 or more")
			os.Exit(2)
		}
		if _, err := parsePoints(*sweep, *pointsArg); err != nil {
			unp.Err_msg("-points: %v", err)
			os.Exit(2)
		}
		chosen = sweepDesigns(*sweep, *designArg, chosen)
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
	status := bench(tmp, chosen)
	os.RemoveAll(tmp)
	os.Exit(status)
}

// replotFrom reads a -json file and writes its tables and chart again.
func replotFrom(path string) int {
	data, err := os.ReadFile(path)
	var res results
	if err == nil {
		err = json.Unmarshal(data, &res)
	}
	if err != nil {
		unp.Err_msg("-replot: %v", err)
		return 1
	}
	res.summarize()
	return res.report()
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

// bench runs everything and returns the exit status: 0 when every run that
// started went well, 1 otherwise.
func bench(tmp string, chosen []int) int {
	progs := []string{"client"}
	for _, row := range chosen {
		if !slices.Contains(progs, designs[row].prog) {
			progs = append(progs, designs[row].prog)
		}
	}
	if *clientArg != "" {
		progs = progs[1:]
	}
	paths, notes := programs(tmp, progs)
	client, clientName := paths["client"], "client (ours)"
	if *bookDir != "" {
		cbin, err := bookBuild(*bookDir)
		if err != nil {
			unp.Err_msg("-book: %v", err)
			return 1
		}
		unp.Err_msg("the book's C programs: %s", cbin)
		for _, t := range bookServers(cbin, *nworkers) {
			if t.Row == 0 || slices.ContainsFunc(chosen, func(i int) bool {
				return designs[i].name == besideOf(t)
			}) {
				servers = append(servers, t)
			}
		}
		if *sweep == "" || *sweep == "workers" { // the book's client has no -inflight, -rate, -conns
			client, clientName = filepath.Join(cbin, "client"), "client (the book's C)"
		}
	}
	if *clientArg != "" {
		client, clientName = resolve(*clientArg), *clientArg
	}
	if client == "" {
		unp.Err_msg("no client to run")
		return 2
	}

	var caps map[string]float64
	var targets []target
	switch *sweep {
	case "":
		targets = place(tableTargets(chosen, paths), servers)
	case "rate", "conns":
		pts, _ := parsePoints(*sweep, *pointsArg) // checked in main
		raiseNofile(loadNofile(*sweep, pts))
		if *sweep == "rate" {
			var more []string
			caps, more = probeCapacity(tmp, client, sweepTargets("probe", chosen, paths, servers, nil))
			notes = append(notes, more...)
			var known []float64
			for _, c := range caps {
				if c > 0 {
					known = append(known, c)
				}
			}
			// The points given, or spread over the capacities; either
			// way each design runs only those up to kneeFactor times
			// its own capacity (rateKeep).
			if *pointsArg == "" {
				if pts = ratePoints(known, ratePointsN); pts == nil {
					unp.Err_msg("-sweep rate: no design's capacity probe worked; give -points")
					return 1
				}
				unp.Err_msg("offered rates from the probe: %v connections/s", pts)
			}
		}
		targets = sweepTargets(*sweep, chosen, paths, servers, pts)
		targets = slices.DeleteFunc(targets, func(t target) bool {
			return *sweep == "rate" && !rateKeep(caps[t.Design], t.Point)
		})
	default:
		pts, _ := parsePoints(*sweep, *pointsArg)
		targets = sweepTargets(*sweep, chosen, paths, servers, pts)
	}

	m := lab.DescribeMachine()
	res := &results{Commit: lab.Commit(), Date: started.UTC().Format("2006-01-02 15:04 UTC"),
		Command: lab.CommandLine("go run ./bench", os.Args[1:]), Machine: m, Client: clientLine(clientName), Rounds: *rounds,
		Children: *children, Loops: *loops, Bytes: *nbytes, Workers: *nworkers,
		Targets: targets, Notes: notes, Sweep: *sweep, SweepConns: *sweepConns, Capacity: caps}
	if *sweep == "rate" || *sweep == "conns" {
		res.Duration = loadDuration.String()
		if *sweep == "conns" {
			res.Every = every.String()
		}
	}
	if err := checkBreakdown(targets); err != nil {
		unp.Err_msg("%v", err)
		return 2
	}
	for _, t := range targets {
		if t.Argv[0] == "" {
			res.skip(t.Name, "not built")
		}
	}
	runAll(tmp, client, res)
	m.LoadAfter = lab.LoadAvg()
	res.summarize()
	if res.report() != 0 || res.failed() {
		return 1
	}
	return 0
}

// report prints the table or the sweep's tables, and writes -json and -svg.
func (res *results) report() int {
	if res.Sweep == "" {
		res.markdown(os.Stdout, nil)
		res.versus(os.Stdout)
		res.countsMarkdown(os.Stdout)
	} else {
		res.sweepMarkdown(os.Stdout)
	}
	if *jsonFile != "" {
		if err := res.writeJSON(*jsonFile); err != nil {
			unp.Err_msg("-json: %v", err)
			return 1
		}
	}
	if *svgFile != "" {
		chart := res.svg
		if res.Sweep != "" {
			chart = res.sweepSVG
		}
		if err := os.WriteFile(*svgFile, chart(), 0o644); err != nil {
			unp.Err_msg("-svg: %v", err)
			return 1
		}
	}
	return 0
}

// clientLine is the client command line as a reader would type it: name
// is the client's.
func clientLine(name string) string {
	return fmt.Sprintf("%s 127.0.0.1 PORT %d %d %d", name, *children, *loops, *nbytes)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
