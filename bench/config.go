package main

// The command line, parsed once into a config that main passes down: the
// measuring reads it, and nothing else reads a flag.

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"unp-go.dev/lab"
	"unp-go.dev/unp"
)

// config is what one bench command asks for.
type config struct {
	rounds   int           // each round runs every target once
	workers  int           // #children or #threads of the pooled designs
	load     load          // the book's load: -children × -loops, one in flight
	bytes    int           // per reply
	designs  []lab.Design  // -designs, as the sweep reads it
	clients  []string      // -client: ours, ab, wrk, wrk-keepalive or a program, each
	http     bool          // -http: every load over HTTP
	peers    bool          // -peers: nginx, Apache and net/http beside the designs
	book     string        // -book: the book's source, to build its C from
	bin      string        // -bin: prebuilt programs
	json     string        // -json: where to keep the run
	svg      string        // -svg: where to draw its chart
	budget   time.Duration // start no round that would end past it (0: none)
	timeout  time.Duration // one client run
	runtime  bool          // -runtime rows: built with -tags noschedpoint
	floor    bool          // -floor: serv01's floor row
	sweep    string        // "", workers, inflight, rate or conns
	points   []int         // -points; nil: the sweep's default
	conns    int           // -conns: connections per run of an inflight sweep
	duration time.Duration // a rate or conns run offers its load this long
	every    time.Duration // a held connection's period in a conns sweep
	realtime bool          // the client's event loop at real-time priority
	maxPSS   int           // MiB: a conns sweep kills a server past it
	counts   bool          // count each server's calls, switches, faults (counts.go)
	syscalls []string      // -syscalls: the rows whose calls are counted one by one
	servers  serverFlags   // -server rows, and the book's C rows of -book
	replot   string        // -replot FILE: render a kept run, run nothing
	readme   bool          // -readme: render the READMEs, run nothing
	started  time.Time     // when the bench started, for -budget
	args     []string      // the command line, for the kept run
}

// parseConfig parses the bench's command line (without the program name).
// Any problem is a usage error, said with the usage on standard error: the
// caller exits 2.
func parseConfig(args []string) (*config, error) {
	c := &config{started: time.Now(), args: args}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() { usage(fs) }
	fs.IntVar(&c.rounds, "rounds", 5, "`N` rounds; each round runs every design once")
	fs.IntVar(&c.workers, "n", 15, "`N` children or threads for the pooled designs")
	fs.IntVar(&c.load.children, "children", 5, "`N` client processes")
	fs.IntVar(&c.load.loops, "loops", 500, "`N` connections per client process")
	fs.IntVar(&c.bytes, "bytes", 4000, "`N` bytes per reply")
	designArg := fs.String("designs", "all", "comma-separated `LIST` of designs "+
		"(serv03-flock, serv03 or 3);\nserv00-iterative always runs: it is the baseline")
	clientArg := fs.String("client", "", "comma-separated `LIST` of clients, each row run under "+
		"each: ours,\nab (Apache's ab), wrk (a connection per request), wrk-keepalive, or a "+
		"program that takes\nthe book's arguments (host port #children #loops/child "+
		"#bytes/request); ab and wrk imply -http")
	fs.BoolVar(&c.http, "http", false, "load every row over HTTP (GET /N): our client with "+
		"-http; the book's C,\nwhich speaks only its line, is left out")
	fs.BoolVar(&c.peers, "peers", false, "add the servers that descend from the designs, "+
		"over HTTP (implies -http):\nnginx (three ways), Apache httpd prefork (three) and event, "+
		"Go's net/http (peers.go)")
	fs.StringVar(&c.book, "book", "", "build the book's C client and servers from `DIR`, "+
		"a copy of its source (unpv13e),\nand run them beside the Go: the C rows, and the C "+
		"curves of a worker sweep")
	fs.StringVar(&c.bin, "bin", "", "use prebuilt programs in `DIR` instead of building them")
	fs.StringVar(&c.json, "json", "", "write every run's raw numbers to `FILE`")
	fs.StringVar(&c.svg, "svg", "", "write a chart of CPU µs/connection and connections/s to `FILE`")
	fs.DurationVar(&c.budget, "budget", 105*time.Second, "start no round that would end "+
		"past this much time since the bench started\n(0: no limit); the first round always runs")
	fs.DurationVar(&c.timeout, "timeout", 2*time.Minute, "bound on one client run; "+
		"a server gets 10s to be ready and 10s to exit")
	fs.BoolVar(&c.runtime, "runtime", false, "add, after each process design, its row built "+
		"with -tags noschedpoint:\nthe runtime mechanism of unp/sched.go left out")
	fs.BoolVar(&c.floor, "floor", false, "add serv01's floor after serv01-fork: exec, exit and "+
		"wait of its child\nbinary doing nothing, once per connection")
	fs.StringVar(&c.sweep, "sweep", "", "instead of the table, sweep `WHAT`: workers (children or "+
		"threads,\n-points, default 1..128), inflight (connections in flight, default 1..500),\n"+
		"rate (offered connections/s, default from a capacity probe) or conns (held\n"+
		"connections, default 10..10000)")
	pointsArg := fs.String("points", "", "comma-separated `LIST` of the sweep's points")
	fs.StringVar(&c.replot, "replot", "", "run nothing: print the table (or sweep tables) and "+
		"write -svg\nfrom the raw numbers a -json run kept in `FILE`")
	fs.BoolVar(&c.readme, "readme", false, "run nothing: write every table and chart of the "+
		"READMEs again\nfrom the runs kept in bench/results (see readme.go)")
	fs.IntVar(&c.conns, "conns", 0, "`N` connections per run of an inflight sweep "+
		"(default -children × -loops)")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "how long each run of a rate or "+
		"conns sweep offers its load")
	fs.DurationVar(&c.every, "every", time.Second, "in a conns sweep, each held connection "+
		"sends a request every `D`")
	fs.BoolVar(&c.realtime, "realtime", true, "in a rate or conns sweep, run the client's "+
		"event loop at real-time\npriority (client -realtime) where allowed, so that it keeps "+
		"its schedule")
	fs.IntVar(&c.maxPSS, "maxpss", 4096, "in a conns sweep, kill a server whose process tree "+
		"passes `MiB` of PSS (0: no limit)")
	fs.BoolVar(&c.counts, "counts", true, "count each server's system calls, context "+
		"switches and page faults with the kernel's counters (perf_event_open; system calls "+
		"need tracefs)")
	syscalls := fs.String("syscalls", "", "also count the system calls one by one for the "+
		"rows of the comma-separated `LIST` (designs or -server names), and print which calls "+
		"each makes per connection")
	fs.Var(&c.servers, "server", "add an external server row: `'NAME=PROG ARGS'`, where ARGS "+
		"hold 127.0.0.1\nand {port}, a free port the bench picks; readiness by connecting.\n"+
		"A name holding servNN (\"C serv05\") puts the row beside that design. Repeatable.")
	if err := fs.Parse(args); err != nil {
		return nil, err // the flag package has said it, with the usage
	}
	if *clientArg != "" {
		for _, name := range strings.Split(*clientArg, ",") {
			name = strings.TrimSpace(name)
			c.clients = append(c.clients, name)
			c.http = c.http || webClients[name].prog != ""
		}
	}
	c.http = c.http || c.peers
	if *syscalls != "" {
		for _, row := range strings.Split(*syscalls, ",") {
			c.syscalls = append(c.syscalls, strings.TrimSpace(row))
		}
	}
	if err := c.check(fs, *designArg, *pointsArg); err != nil {
		unp.Err_msg("%v", err)
		fs.Usage()
		return nil, err
	}
	return c, nil
}

// check checks what parseConfig parsed and completes it: the sweep's points
// and the designs.
func (c *config) check(fs *flag.FlagSet, designArg, pointsArg string) error {
	c.load.inflight = 1
	switch {
	case fs.NArg() != 0:
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.rounds < 1 || c.workers < 1 || c.load.children < 1 || c.load.loops < 1:
		return errors.New("-rounds, -n, -children and -loops want 1 or more")
	case c.bytes < 1 || c.bytes > unp.MAXN:
		return fmt.Errorf("-bytes wants 1 to %d", unp.MAXN)
	case c.timeout <= 0:
		return errors.New("-timeout wants a time above 0")
	case c.sweep != "" && !slices.Contains([]string{"workers", "inflight", "rate", "conns"}, c.sweep):
		return fmt.Errorf("-sweep: want workers, inflight, rate or conns, not %q", c.sweep)
	case c.duration <= 0 || c.every <= 0 || c.maxPSS < 0:
		return errors.New("-duration and -every want a time above 0, -maxpss a size of 0 or more")
	}
	var err error
	if c.points, err = parsePoints(c.sweep, pointsArg); err != nil {
		return fmt.Errorf("-points: %w", err)
	}
	if c.designs, err = chooseDesigns(designArg); err != nil {
		return fmt.Errorf("-designs: %w", err)
	}
	if c.sweep != "" {
		c.designs = sweepDesigns(c.sweep, designArg, c.designs)
	}
	return nil
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

// loadOf is the load of a run against t: the command line's, but where
// the target (a sweep's point) says otherwise.
func (c *config) loadOf(t target) load {
	l := c.load
	if t.Children > 0 {
		l.children = t.Children
	}
	if t.Inflight > 0 {
		l.inflight = t.Inflight
	}
	if t.Loops > 0 {
		l.loops = t.Loops
	}
	return l
}

// clientLine is the client command line as a reader would type it, or a
// line per client.
func (c *config) clientLine(lds []loader) string {
	var lines []string
	for _, ld := range lds {
		switch {
		case ld.Kind == "book" && ld.Name == "ours" && c.http:
			lines = append(lines, fmt.Sprintf("client (ours) -http 127.0.0.1 PORT %d %d %d",
				c.load.children, c.load.loops, c.bytes))
		case ld.Kind == "book":
			name := "client (" + ld.Name + ")"
			if ld.Name != "ours" && ld.Name != "the book's C" {
				name = ld.Name
			}
			lines = append(lines, fmt.Sprintf("%s 127.0.0.1 PORT %d %d %d", name,
				c.load.children, c.load.loops, c.bytes))
		default:
			args := c.webArgs(ld.Kind, 0, c.load)
			for i, a := range args {
				if strings.Contains(a, " ") {
					args[i] = "'" + a + "'"
				}
			}
			lines = append(lines, webClients[ld.Kind].prog+" "+strings.Join(args, " "))
		}
	}
	return strings.Join(lines, "; ")
}
