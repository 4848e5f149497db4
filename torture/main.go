// Torture is the test the book's servers would fail: hostile clients,
// overload and faults against every design of chapter 30 and those beyond
// it, at once, and a check afterwards that nothing was lost and nothing
// leaked.
//
// For each design of the one list, lab.Designs (a variant such as
// serv10-exclusive or serv11-netpool is a design of its own), it starts
// the server on
// 127.0.0.1 port 0 with a small pool (-pool) and a short idle timeout
// (-idle, passed as UNP_IDLE_TIMEOUT) and goes through these phases:
//
//   - warm-up: a few good connections and one overload burst, so that the
//     threads the Go runtime starts once and keeps are there before counting;
//   - stall: every slot held by clients that send nothing, then by clients
//     that send a byte every half idle timeout: a good client behind them
//     must be served as soon as the idle timeout frees a slot, and the
//     stallers must be cut off, not before the idle timeout nor long after;
//   - load, for -dur: well-behaved clients (1 to 3 requests per connection,
//     each reply counted to the byte, then a half-close that must bring EOF);
//     every hostile client at least once (non-numbers, 0, negative, above
//     MAXN, junk before or after the digits, a line over MAXLINE, NUL bytes,
//     a request in one-byte writes, 50 requests pipelined in one write, a
//     close or SO_LINGER-0 reset in the middle of a reply, connect-and-close,
//     half-close, idle, one byte at a time, a client that never reads);
//     overload bursts of 10 × the pool (-crowd for serv06 and serv11)
//     connected at once; and, for the process designs, SIGKILL of a child at
//     random moments (-kills), every other one a child waiting for a
//     connection (in serv03 and serv04 the lock holder; in serv10 one in
//     epoll_wait, in serv12 in io_uring_enter), after which the pool must be full again and the lock free;
//   - the book's client, two processes of -loops connections (a tenth for
//     serv01, which pays a fork and exec for each), which must make every
//     connection without error;
//   - quiet: the descriptors and threads of the server and its children,
//     and its zombies, must come back to what they were before the load;
//   - process designs, a stopped child: SIGSTOP of one child (in serv03 and
//     serv04 the lock holder) for -stop while good clients come, then
//     SIGCONT; what was served meanwhile is a figure, but afterwards every
//     request must be served, and a pool's parent must have logged the stop;
//   - out of descriptors: the process that accepts is given an
//     RLIMIT_NOFILE of its lowest free descriptor (prlimit(2) from outside)
//     and an overload burst of silent clients: over -window its CPU and its
//     EMFILE lines a second must stay low (no spin), and once the
//     descriptors come back a good client must be served within 2 s;
//   - SIGINT under load: exit 0 within 2 s, the report, no process left;
//   - process designs: the server again, its parent killed with SIGKILL:
//     no child may live on or keep the port;
//   - process designs and serv06, where torture is root: out of processes,
//     the server again as a uid of its own under an RLIMIT_NPROC of -nproc and a
//     flood of -flood silent clients: no crash, no spinning parent, and a
//     good client served once they leave.
//
// A request that failed on a connection that was open when torture killed
// a child, and that the server closed or reset, is counted as lost to the
// kill, not as an error. One that the server cut off unanswered because
// its idle timeout ran out (it says so on stderr, or torture itself sent
// the request late: a busy machine) is a note, not an error; the stall
// phase judges the timeout. A design whose program does not build, or is
// not where -bin says, is skipped.
//
// Torture prints one line per design and, under it, every check that
// failed (quoting what the server said about the connection on stderr)
// and its notes, and exits 1 if any design failed; torture/README.md says
// how to read the table. It builds the servers and the client with the go
// command, or takes them from -bin DIR (-bin PATH: look each one up on
// $PATH). Every server runs in a process group of its own, which torture
// kills on the way out, on failure or on Ctrl-C; and every server dies
// with torture (PR_SET_PDEATHSIG), but the one run as another user, whose
// change of user clears it. Both, and the /proc readers, are the
// workspace's shared machinery, unp-go.dev/lab.
//
// Usage:
//
//	torture [flags] [design...]
//
// A design may be named by a prefix (serv03, serv0, serv10) or by its row of
// Figure 30.1 (3); the default is every design. Replacing a server under load is measured by
// torture/upgrade, a program of its own.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"unp-go.dev/lab"
)

func main() {
	var cfg config
	bin := flag.String("bin", "",
		"take the programs from `DIR` (PATH: look them up on $PATH) instead of building them")
	flag.IntVar(&cfg.pool, "pool", 2, "#children or #threads of the pooled designs")
	flag.DurationVar(&cfg.idle, "idle", time.Second, "the servers' idle timeout (UNP_IDLE_TIMEOUT)")
	flag.DurationVar(&cfg.dur, "dur", 10*time.Second, "how long the load runs, per design")
	flag.IntVar(&cfg.kills, "kills", 10, "children killed during the load, per process design")
	flag.IntVar(&cfg.good, "good", 4, "well-behaved clients at once")
	flag.IntVar(&cfg.hostile, "hostile", 3, "hostile clients at once")
	flag.IntVar(&cfg.overload, "overload", 10, "an overload burst is this many times the pool")
	flag.IntVar(&cfg.crowd, "crowd", 300, "connections of an overload burst against serv06-thread")
	flag.IntVar(&cfg.loops, "loops", 5000,
		"loops per child of the client run after the load (a tenth for serv01)")
	flag.DurationVar(&cfg.stop, "stop", 3*time.Second, "how long a child stays stopped (SIGSTOP)")
	flag.DurationVar(&cfg.window, "window", 2*time.Second,
		"how long the descriptor and process faults are measured")
	flag.IntVar(&cfg.nproc, "nproc", 40, "RLIMIT_NPROC of the process fault (run as a uid of its own)")
	flag.IntVar(&cfg.flood, "flood", 60, "silent clients of the process fault")
	parallel := flag.Int("parallel", 1, "designs tortured at once")
	seed := flag.Uint64("seed", 0, "random seed (0: from the clock)")
	flag.BoolVar(&cfg.verbose, "v", false, "print each phase as it starts, and each kill")
	flag.StringVar(&cfg.json, "json", "", "keep the run in `FILE` (torture/results/NAME.json for the README)")
	readme := flag.Bool("readme", false, "run nothing: render torture/README.md's table from torture/results")
	keep := flag.Bool("keep", false, "keep the servers' output (stdout, stderr) and say where")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: torture [flags] [design...]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *readme {
		os.Exit(lab.WriteReadmes("torture", regenerate))
	}
	chosen, err := selectDesigns(flag.Args())
	if err != nil || cfg.pool < 1 || cfg.idle <= 0 || cfg.kills < 0 || cfg.good < 1 ||
		cfg.hostile < 1 || cfg.overload < 1 || cfg.crowd < 1 || cfg.loops < 1 || *parallel < 1 ||
		cfg.stop <= 0 || cfg.window <= 0 || cfg.nproc < 1 || cfg.flood < 1 {
		if err != nil {
			fmt.Fprintf(os.Stderr, "torture: %v\n", err)
		}
		flag.Usage()
		os.Exit(2)
	}
	if cfg.seed = *seed; cfg.seed == 0 {
		cfg.seed = uint64(time.Now().UnixNano())
	}

	if cfg.dir, err = os.MkdirTemp("", "torture-"); err != nil {
		fmt.Fprintf(os.Stderr, "torture: %v\n", err)
		os.Exit(1)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigs
		stopAll(cfg.dir)
		fmt.Fprintln(os.Stderr, "torture: interrupted")
		os.Exit(130)
	}()
	cfg.keep = *keep
	os.Exit(tortureAll(&cfg, *bin, chosen, *parallel))
}

// tortureAll runs the designs and prints the table; its result is the
// exit status.
func tortureAll(cfg *config, bin string, chosen []design, parallel int) int {
	if cfg.keep {
		defer fmt.Printf("torture: the servers' output is in %s\n", cfg.dir)
	} else {
		defer os.RemoveAll(cfg.dir)
	}
	defer lab.KillAll(5 * time.Second)
	start := time.Now()
	pkgs := []string{"client"}
	for _, d := range chosen {
		if !slices.Contains(pkgs, d.Dir) {
			pkgs = append(pkgs, d.Dir)
		}
	}
	var err error
	if cfg.bins, cfg.skips, err = programs(bin, pkgs, filepath.Join(cfg.dir, "bin")); err != nil {
		fmt.Fprintf(os.Stderr, "torture: %v\n", err)
		return 1
	}
	k := &kept{Commit: lab.Commit(), Date: start.UTC().Format("2006-01-02 15:04 UTC"),
		Command: lab.CommandLine("go run ./torture", os.Args[1:]), Machine: lab.DescribeMachine(), Root: os.Geteuid() == 0,
		Config: fmt.Sprintf("pool %d, idle timeout %v, load %v per design, "+
			"%d kills per process design, seed %d", cfg.pool, cfg.idle, cfg.dur, cfg.kills, cfg.seed)}
	fmt.Printf("torture: %s\n%s\n", k.Config, header)

	// Designs run in parallel (-parallel) but print in order.
	results := make([]chan *result, len(chosen))
	sem := make(chan struct{}, parallel)
	for i, d := range chosen {
		results[i] = make(chan *result, 1)
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] <- torture(cfg, d)
		}()
	}
	count := map[string]int{}
	for _, ch := range results {
		res := <-ch
		if lab.Stopped() {
			select {} // Ctrl-C: the signal handler ends the process
		}
		res.print(os.Stdout)
		count[res.verdict()]++
		k.Designs = append(k.Designs, res.kept())
	}
	k.Seconds = time.Since(start).Seconds()
	k.Machine.LoadAfter = lab.LoadAvg()
	fmt.Printf("torture: %d passed, %d failed, %d skipped in %.1f s\n",
		count["PASS"], count["FAIL"], count["SKIP"], k.Seconds)
	if cfg.json != "" {
		if err := writeKept(cfg.json, k); err != nil {
			fmt.Fprintf(os.Stderr, "torture: -json: %v\n", err)
			return 1
		}
	}
	if count["FAIL"] > 0 {
		return 1
	}
	return 0
}

// programs finds or builds the programs of the packages named (their
// directories in the workspace), and returns them by program name. bin ""
// builds them with the go command into dir; bin "PATH" looks each up on
// $PATH; any other bin is a directory holding them. A program that cannot
// be found or built is skipped, with the reason.
func programs(bin string, pkgs []string, dir string) (bins, skips map[string]string, err error) {
	bins, skips = map[string]string{}, map[string]string{}
	names := make([]string, len(pkgs))
	for i, pkg := range pkgs {
		names[i] = filepath.Base(pkg)
	}
	switch bin {
	case "":
		if err := build(pkgs, dir, skips); err != nil {
			return nil, nil, err
		}
		bin = dir
		fallthrough
	default:
		for _, name := range names {
			path := filepath.Join(bin, name)
			if _, err := os.Stat(path); err == nil {
				bins[name] = path
			} else if skips[name] == "" {
				skips[name] = "no binary in " + bin
			}
		}
	case "PATH":
		for _, name := range names {
			if path, err := exec.LookPath(name); err == nil {
				bins[name] = path
			} else {
				skips[name] = "not on $PATH"
			}
		}
	}
	return bins, skips, nil
}

// build builds the programs of the workspace torture is run in (see
// lab.Build): one broken design skips only itself.
func build(dirs []string, dir string, skips map[string]string) error {
	root, err := lab.Root()
	if err != nil {
		return fmt.Errorf("%v: run from it, or use -bin", err)
	}
	pkgs := make([]string, len(dirs))
	for i, d := range dirs {
		pkgs[i] = "./" + d
	}
	for pkg, err := range lab.Build(root, dir, pkgs...) {
		line, _, _ := strings.Cut(strings.TrimSpace(err.Output), "\n")
		skips[filepath.Base(pkg)] = "does not build: " + line
	}
	return nil
}
