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
// connections/s, CPU per connection and the per-child spread of Figure
// 30.13, because on one shared machine the rate is what a reader notices.
//
// Beside the book's nine rows the table has the book's own child02.c loop
// (serv02-select: select, then accept) and the designs beyond the book:
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
// flight, grows.
//
// Any program that speaks the protocol and prints the book's report can
// stand beside the Go designs, the C originals in particular:
//
//	go run ./bench -client ../shared/anchors/c-unpv13e/client \
//		-server 'C serv00=../shared/anchors/c-unpv13e/serv00 127.0.0.1 {port}' \
//		-server 'C serv07=../shared/anchors/c-unpv13e/serv07 127.0.0.1 {port} 15'
//
// The table goes to standard output, progress to standard error.
// Everything is bounded: each start, client run and shutdown has a
// timeout, each server and client runs in its own process group, and the
// group is killed on any failure, so no process outlives the bench.
//
// Usage:
//
//	bench [-rounds N] [-budget D] [-n N] [-children N] [-loops N] [-bytes N]
//	      [-designs LIST] [-server 'NAME=PROG ARGS'] ... [-client PROG]
//	      [-bin DIR] [-json FILE] [-svg FILE] [-timeout D] [-runtime] [-floor]
//	bench -sweep workers|inflight [-points LIST] [-conns N] [flags as above]
//	bench -replot FILE.json [-svg FILE]
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
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

// design is one of the book's servers, or one beyond it, as built from
// this repository.
type design struct {
	name   string   // the row's name; the binary is the last element of prog
	prog   string   // package directory, from the repository root
	flags  []string // before the book's arguments
	row    int      // the book's row; the beyond designs go on from 9
	desc   string   // the row's wording in Figure 30.1
	pooled bool     // takes #children or #threads
	procs  bool     // a process design: -runtime adds a UNP_SCHEDPOINT=0 row
}

// designs are Figure 30.1's rows, in the book's order, then the book's own
// select-then-accept loop and the four designs beyond the book.
var designs = []design{
	{"serv00-iterative", "serv00-iterative", nil, 0,
		"iterative server (baseline; no process control)", false, false},
	{"serv01-fork", "serv01-fork", nil, 1, "concurrent server, one fork per client request", false, true},
	{"serv02-prefork", "serv02-prefork", nil, 2, "prefork, each child calling accept", true, true},
	{"serv02-select", "serv02-prefork", []string{"-select"}, 2,
		"prefork, each child calling select, then accept (the book's child02.c)", true, true},
	{"serv03-flock", "serv03-flock", nil, 3, "prefork, file locking to protect accept", true, true},
	{"serv04-mutex", "serv04-mutex", nil, 4,
		"prefork, process-shared mutex locking to protect accept", true, true},
	{"serv05-fdpass", "serv05-fdpass", nil, 5,
		"prefork, parent passing socket descriptor to child", true, true},
	{"serv06-thread", "serv06-thread", nil, 6, "concurrent server, one thread per client request", false, false},
	{"serv07-threadpool", "serv07-threadpool", nil, 7, "prethreaded, mutex locking to protect accept", true, false},
	{"serv08-mainaccept", "serv08-mainaccept", nil, 8, "prethreaded, main thread calls accept", true, false},
	{"serv09-reuseport", "beyond/serv09-reuseport", nil, 9,
		"beyond: prefork, a SO_REUSEPORT listener per child", true, true},
	{"serv10-epoll", "beyond/serv10-epoll", nil, 10,
		"beyond: prefork, an epoll loop per child on the shared listener", true, true},
	{"serv10-exclusive", "beyond/serv10-epoll", []string{"-exclusive"}, 10,
		"beyond: serv10-epoll, the listener added with EPOLLEXCLUSIVE", true, true},
	{"serv11-netpoll", "beyond/serv11-netpoll", nil, 11,
		"beyond: package net, a goroutine per client (the netpoller)", false, false},
	{"serv11-netpool", "beyond/serv11-netpoll", nil, 11,
		"beyond: package net, a pool of goroutines calling Accept", true, false},
	{"serv12-uring", "beyond/serv12-uring", nil, 12,
		"beyond: prefork, an io_uring loop per child on the shared listener", true, true},
	{"serv12-reuseport", "beyond/serv12-uring", []string{"-reuseport"}, 12,
		"beyond: serv12-uring, a SO_REUSEPORT listener per child", true, true},
}

// bin is the design's binary name.
func (d design) bin() string { return filepath.Base(d.prog) }

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
		"threads,\n-points, default 1..128) or inflight (connections in flight, default 1..500)")
	pointsArg = flag.String("points", "", "comma-separated `LIST` of the sweep's points")
	replot    = flag.String("replot", "", "run nothing: print the table (or sweep tables) and "+
		"write -svg\nfrom the raw numbers a -json run kept in `FILE`")
	sweepConns = flag.Int("conns", 0, "`N` connections per run of an inflight sweep "+
		"(default -children × -loops)")
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
	*s = append(*s, target{Name: name, Row: designRow(name), Desc: strings.Join(argv, " "),
		External: true, Argv: argv})
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
serv07, serv08, serv10-epoll and serv10-exclusive, or -designs) at 1, 2, 4,
... 128 children or threads; -sweep inflight runs every design at 1, 5, 10,
... 500 connections in flight (the client's -inflight). Each prints a table
per measure, one row per design, one column per point; -svg draws them as
lines. The -budget applies as to the table: by default a sweep runs the
rounds that fit in it (the quick sweep, a few minutes), with -budget 0 all
of them.

A design that does not build or start is skipped, with a note. The exit
status is 1 if any run that started failed (client errors, no report, a
process left behind), 2 for a bad command line.

Flags:
`)
	flag.PrintDefaults()
	fmt.Fprintf(os.Stderr, `
Example, the Go designs beside the C originals, one client for both:

  C=../shared/anchors/c-unpv13e
  go run ./bench -client $C/client -svg fig.svg \
      -server "C serv00=$C/serv00 127.0.0.1 {port}" \
      -server "C serv05=$C/serv05 127.0.0.1 {port} 15"
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
	chosen, err := chooseDesigns(*designArg)
	if err != nil {
		unp.Err_msg("-designs: %v", err)
		os.Exit(2)
	}
	if *sweep != "" {
		if *sweep != "workers" && *sweep != "inflight" {
			unp.Err_msg("-sweep: want workers or inflight, not %q", *sweep)
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

// chooseDesigns parses -designs into indexes of designs: "all" is every
// design, a name or its servNN prefix the designs it names, a number the
// designs of that row of the book. serv00-iterative is always in: the
// book's column is every other design's CPU minus its.
func chooseDesigns(list string) ([]int, error) {
	if list == "all" {
		rows := make([]int, len(designs))
		for i := range rows {
			rows[i] = i
		}
		return rows, nil
	}
	rows := []int{0}
	for _, w := range strings.Split(list, ",") {
		w = strings.TrimSpace(w)
		n, err := strconv.Atoi(w)
		found := false
		for i, d := range designs {
			if d.name == w || strings.HasPrefix(d.name, w+"-") || (err == nil && d.row == n) {
				found = true
				if !slices.Contains(rows, i) {
					rows = append(rows, i)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("no design %q", w)
		}
	}
	slices.Sort(rows)
	return rows, nil
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
	client := paths["client"]
	if *clientArg != "" {
		client = resolve(*clientArg)
	}
	if client == "" {
		unp.Err_msg("no client to run")
		return 2
	}

	var targets []target
	if *sweep == "" {
		targets = place(tableTargets(chosen, paths), servers)
	} else {
		targets = sweepTargets(*sweep, chosen, paths)
	}

	m := describeMachine()
	res := &results{Machine: m, Client: clientLine(client), Rounds: *rounds,
		Children: *children, Loops: *loops, Bytes: *nbytes, Workers: *nworkers,
		Targets: targets, Notes: notes, Sweep: *sweep, SweepConns: *sweepConns}
	for _, t := range targets {
		if t.Argv[0] == "" {
			res.skip(t.Name, "not built")
		}
	}
	runAll(tmp, client, res)
	m.LoadAfter = loadavg()
	res.summarize()
	if res.report() != 0 || res.failed() {
		return 1
	}
	return 0
}

// report prints the table or the sweep's tables, and writes -json and -svg.
func (res *results) report() int {
	if res.Sweep == "" {
		res.markdown(os.Stdout)
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

// tableTargets are the rows of the main table: each chosen design; with
// -runtime, each process design again with UNP_SCHEDPOINT=0; with -floor,
// serv01's floor after serv01-fork.
func tableTargets(chosen []int, paths map[string]string) []target {
	var out []target
	for _, i := range chosen {
		d := designs[i]
		t := designTarget(d, paths, *nworkers)
		out = append(out, t)
		if *runtimeRows && d.procs {
			off := t
			off.Name, off.Series = d.name+" UNP_SCHEDPOINT=0", "UNP_SCHEDPOINT=0"
			off.Desc = "the same, the runtime mechanism off (unp/sched.go)"
			off.Env = []string{"UNP_SCHEDPOINT=0"}
			out = append(out, off)
		}
		if *floorRow && d.name == "serv01-fork" {
			out = append(out, floorTarget(t))
		}
	}
	return out
}

// designTarget is a Go design's row, with n children or threads if it is
// pooled.
func designTarget(d design, paths map[string]string, n int) target {
	argv := []string{paths[d.prog]}
	argv = append(argv, d.flags...)
	argv = append(argv, "127.0.0.1", "0")
	if d.pooled {
		argv = append(argv, strconv.Itoa(n))
	}
	return target{Name: d.name, Row: d.row, Desc: d.desc, Argv: argv, Group: d.name,
		Series: "Go", Design: d.name}
}

// place orders the rows as the book does, each external row right after
// the Go design its name points at ("C serv05" after serv05-fdpass), and
// external rows that point at no design at the end.
func place(goRows []target, ext []target) []target {
	for i, t := range ext {
		ext[i].Group = t.Name
		if j := slices.IndexFunc(designs, func(d design) bool { return d.row == t.Row }); j >= 0 {
			ext[i].Group = designs[j].name
		}
	}
	out := slices.Concat(goRows, ext)
	key := func(t target) int {
		if t.Row < 0 {
			return 1 << 10
		}
		return t.Row
	}
	slices.SortStableFunc(out, func(a, b target) int { return key(a) - key(b) })
	return out
}

// programs finds or builds the programs: from -bin DIR; else built from
// the repository above the working directory; else from PATH. A program
// that cannot be found or built gets no path, and a note saying why.
func programs(tmp string, names []string) (map[string]string, []string) {
	paths := map[string]string{}
	var notes []string
	dir := *binDir
	if dir == "" {
		if root, err := lab.Root(); err == nil {
			return build(tmp, root, names)
		}
		notes = append(notes, "no go.work above the working directory: programs from PATH")
		unp.Err_msg("%s", notes[0])
	}
	for _, name := range names {
		p := filepath.Join(dir, filepath.Base(name))
		if dir == "" {
			p, _ = exec.LookPath(filepath.Base(name))
		}
		if st, err := os.Stat(p); p == "" || err != nil || st.IsDir() {
			notes = append(notes, fmt.Sprintf("%s: not found", name))
			unp.Err_msg("%s: not found", name)
			continue
		}
		paths[name], _ = filepath.Abs(p)
	}
	return paths, notes
}

// build compiles the programs into tmp (see lab.Build): a design that
// does not build gets a note, and the others still run.
func build(tmp, root string, names []string) (map[string]string, []string) {
	unp.Err_msg("building %d programs in %s", len(names), root)
	pkgs := make([]string, len(names))
	for i, n := range names {
		pkgs[i] = "./" + n
	}
	errs := lab.Build(root, tmp, pkgs...)
	paths := map[string]string{}
	var notes []string
	for _, n := range names {
		if err := errs["./"+n]; err != nil {
			notes = append(notes, fmt.Sprintf("%s: does not build: %v", n, err))
			unp.Err_msg("%s", notes[len(notes)-1])
		}
		if p := filepath.Join(tmp, filepath.Base(n)); fileExists(p) {
			paths[n] = p
		}
	}
	return paths, notes
}

// resolve makes a program name absolute as a shell would find it: a path
// relative to the working directory, or a name looked up on PATH. It
// returns "" for a program that is not there.
func resolve(prog string) string {
	var p string
	if strings.ContainsRune(prog, '/') {
		p, _ = filepath.Abs(prog)
	} else {
		p, _ = exec.LookPath(prog)
	}
	if st, err := os.Stat(p); p == "" || err != nil || st.IsDir() {
		return ""
	}
	return p
}

// clientLine is the client command line as a reader would type it.
func clientLine(client string) string {
	name := "client (ours)"
	if *clientArg != "" {
		name = *clientArg
	}
	return fmt.Sprintf("%s 127.0.0.1 PORT %d %d %d", name, *children, *loops, *nbytes)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
