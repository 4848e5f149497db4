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
//	      [-bin DIR] [-json FILE] [-svg FILE] [-timeout D]
package main

import (
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

// design is one of the book's servers, as built from this repository.
type design struct {
	name   string // directory and binary
	desc   string // the row's wording in Figure 30.1
	pooled bool   // takes #children or #threads
}

// designs are Figure 30.1's rows, in the book's order; row = index.
var designs = []design{
	{"serv00-iterative", "iterative server (baseline; no process control)", false},
	{"serv01-fork", "concurrent server, one fork per client request", false},
	{"serv02-prefork", "prefork, each child calling accept", true},
	{"serv03-flock", "prefork, file locking to protect accept", true},
	{"serv04-mutex", "prefork, process-shared mutex locking to protect accept", true},
	{"serv05-fdpass", "prefork, parent passing socket descriptor to child", true},
	{"serv06-thread", "concurrent server, one thread per client request", false},
	{"serv07-threadpool", "prethreaded, mutex locking to protect accept", true},
	{"serv08-mainaccept", "prethreaded, main thread calls accept", true},
}

// target is one row of the table: a Go design or an external server.
type target struct {
	Name     string
	Row      int      // the book's row, -1 if unknown
	Desc     string   // what the row is
	External bool     // from -server: a real port, readiness by connecting
	Argv     []string // program and arguments; "{port}" in external ones
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
	chosen, err := chooseDesigns(*designArg)
	if err != nil {
		unp.Err_msg("-designs: %v", err)
		os.Exit(2)
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

// chooseDesigns parses -designs. serv00-iterative is always in: the book's
// column is every other design's CPU minus its.
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
		row := slices.IndexFunc(designs, func(d design) bool {
			return d.name == w || strings.HasPrefix(d.name, w+"-")
		})
		if n, err := strconv.Atoi(w); err == nil && n >= 0 && n < len(designs) {
			row = n
		}
		if row < 0 {
			return nil, fmt.Errorf("no design %q", w)
		}
		if !slices.Contains(rows, row) {
			rows = append(rows, row)
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
		progs = append(progs, designs[row].name)
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
	for _, row := range chosen {
		d := designs[row]
		argv := []string{paths[d.name], "127.0.0.1", "0"}
		if d.pooled {
			argv = append(argv, strconv.Itoa(*nworkers))
		}
		targets = append(targets, target{Name: d.name, Row: row, Desc: d.desc, Argv: argv})
	}
	targets = place(targets, servers)

	m := describeMachine()
	res := &results{Machine: m, Client: clientLine(client), Rounds: *rounds,
		Children: *children, Loops: *loops, Bytes: *nbytes, Workers: *nworkers,
		Targets: targets, Notes: notes}
	for _, t := range targets {
		if t.Argv[0] == "" {
			res.skip(t.Name, "not built")
		}
	}
	runAll(tmp, client, res)
	m.LoadAfter = loadavg()
	res.summarize()
	res.markdown(os.Stdout)
	if *jsonFile != "" {
		if err := res.writeJSON(*jsonFile); err != nil {
			unp.Err_msg("-json: %v", err)
			return 1
		}
	}
	if *svgFile != "" {
		if err := os.WriteFile(*svgFile, res.svg(), 0o644); err != nil {
			unp.Err_msg("-svg: %v", err)
			return 1
		}
	}
	if res.failed() {
		return 1
	}
	return 0
}

// place orders the rows as the book does, each external row right after
// the Go design its name points at ("C serv05" after serv05-fdpass), and
// external rows that point at no design at the end.
func place(goRows []target, ext []target) []target {
	out := slices.Concat(goRows, ext)
	key := func(t target) int {
		if t.Row < 0 {
			return len(designs)
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
		p := filepath.Join(dir, name)
		if dir == "" {
			p, _ = exec.LookPath(name)
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
		if _, err := os.Stat(filepath.Join(tmp, n)); err == nil {
			paths[n] = filepath.Join(tmp, n)
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
