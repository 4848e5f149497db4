// Upgrade measures what clients see while a server is replaced, K times,
// under a steady load: the three ways of beyond/serv13-upgrade's package
// comment, side by side.
//
//   - handover: serv13-upgrade, SIGUSR2: the new parent inherits the
//     listening socket, says it is ready, and the old one retires its
//     children after their connections;
//   - restart: serv02-prefork stopped (SIGTERM) and started again on the
//     same port, the naive way;
//   - reuseport: serv09-reuseport started again on the same port beside the
//     old one (its listeners join the port's SO_REUSEPORT group), then the
//     old one stopped (SIGTERM), with net.ipv4.tcp_migrate_req off
//     (reuseport-off) and on (reuseport-on);
//   - faults: handover with one fault at a random moment of each (the
//     successor killed or stopped, the old parent sent SIGUSR2 twice, a
//     child of either generation killed; faults.go), a row for each kind.
//
// serv02 and serv09 end the only way they can, their children killed, so
// their rows also count the connections cut in the middle of a reply; the
// reuseport rows differ only in what happens to the connections queued on
// the listeners that close.
//
// Each way runs in a network namespace of its own, which upgrade creates
// (it runs itself again under unshare(1) -n, with -r if it is not root),
// brings its loopback up in (ip(8)), and sets tcp_migrate_req in: the
// machine's own setting is never touched, and every server listens on
// 127.0.0.1 of that namespace only. Root, or user namespaces, is needed.
//
// The load is -clients goroutines, each connecting again and again: send
// a request for -bytes, read the reply, close. There are more of them than
// children (-pool), so that the listen queues are seldom empty: a
// shortcut that loses what is queued has something to lose. Every attempt ends in one
// column: ok; refused (connect said ECONNREFUSED); reset (the handshake,
// or the connection before a byte of the reply, reset or closed); short (part of the reply, then reset or
// EOF); timeout (connect or reply not within -timeout); other. "served"
// is what the servers' meters counted, by generation, first ones first:
// "old" is every generation but the last, "new" the last; a connection
// that a server accepted and the client did not get whole is "lost"
// (served minus ok, which the kernel's queue and the meter's count at
// accept make exact when no client gave up first).
//
// Usage:
//
//	upgrade [flags] [way...]
//
// The default is every way. It builds the servers with the go command
// from the workspace, or takes them from -bin DIR (-bin PATH: from $PATH).
// It exits 1 if a way could not be run; the counts are for the reader.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"unp-go.dev/lab"
)

// config is the command line, passed on to each way's run.
type config struct {
	K       int           `json:"k"`
	Clients int           `json:"clients"`
	Pool    int           `json:"pool"`
	Bytes   int           `json:"bytes"`
	Every   time.Duration `json:"every"`
	Timeout time.Duration `json:"timeout"`
	Bin     string        `json:"bin"`
	Verbose bool          `json:"verbose"`
}

// ways are the ways to replace a server, in the table's order.
var ways = []string{"handover", "restart", "reuseport-off", "reuseport-on", "faults"}

func main() {
	var cfg config
	flag.IntVar(&cfg.K, "k", 20, "upgrades per way")
	flag.IntVar(&cfg.Clients, "clients", 16, "clients connecting at once, again and again")
	flag.IntVar(&cfg.Pool, "pool", 4, "#children of each server")
	flag.IntVar(&cfg.Bytes, "bytes", 1000, "bytes asked for per request")
	flag.DurationVar(&cfg.Every, "every", 500*time.Millisecond, "load between two upgrades")
	flag.DurationVar(&cfg.Timeout, "timeout", 3*time.Second,
		"a connect or a reply slower than this is a timeout")
	flag.StringVar(&cfg.Bin, "bin", "",
		"take the servers from `DIR` (PATH: look them up on $PATH) instead of building them")
	flag.BoolVar(&cfg.Verbose, "v", false, "say what each way is doing")
	jsonFile := flag.String("json", "", "keep the run in `FILE` (torture/results/NAME.json for the READMEs)")
	readme := flag.Bool("readme", false, "run nothing: render the READMEs' upgrade tables from torture/results")
	inner := flag.String("inner", "", "(internal) run one way, in the namespace made for it")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: upgrade [flags] [way...]   ways: %s\n",
			strings.Join(ways, " "))
		flag.PrintDefaults()
	}
	flag.Parse()
	if *readme {
		os.Exit(lab.WriteReadmes("upgrade", regenerate))
	}
	chosen := flag.Args()
	if len(chosen) == 0 {
		chosen = ways
	}
	for _, w := range append(chosen, *inner) {
		if w != "" && !contains(ways, w) {
			fmt.Fprintf(os.Stderr, "upgrade: no way named %q\n", w)
			flag.Usage()
			os.Exit(2)
		}
	}
	if cfg.K < 1 || cfg.Clients < 1 || cfg.Pool < 1 || cfg.Bytes < 1 || cfg.Bytes > 16384 ||
		cfg.Every <= 0 || cfg.Timeout <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	if *inner != "" {
		os.Exit(runInner(&cfg, *inner))
	}
	os.Exit(runAll(&cfg, chosen, *jsonFile))
}

// runAll builds the servers (unless -bin), runs each way in a namespace of
// its own, and prints the table.
func runAll(cfg *config, chosen []string, jsonFile string) int {
	k := &kept{Commit: lab.Commit(), Date: time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		Command: lab.CommandLine("go run ./torture/upgrade", os.Args[1:]),
		Machine: lab.DescribeMachine(), Root: os.Geteuid() == 0}
	if cfg.Bin == "" {
		dir, err := os.MkdirTemp("", "upgrade-bin-")
		if err != nil {
			fmt.Fprintf(os.Stderr, "upgrade: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
		if err := buildServers(dir); err != nil {
			fmt.Fprintf(os.Stderr, "upgrade: %v\n", err)
			return 1
		}
		cfg.Bin = dir
	}
	k.Config = fmt.Sprintf("%d upgrades per way, %d clients, %d children, %d bytes, "+
		"%v between upgrades", cfg.K, cfg.Clients, cfg.Pool, cfg.Bytes, cfg.Every)
	fmt.Printf("upgrade: %s\n%s\n", k.Config, header)
	status := 0
	for _, w := range chosen {
		res, err := inNamespace(cfg, w)
		if err != nil {
			fmt.Printf("%-14s FAILED: %v\n", w, err)
			k.Failed = append(k.Failed, fmt.Sprintf("%s: %s", w, lab.Sanitize(err.Error())))
			status = 1
			continue
		}
		res.print(os.Stdout)
		k.Ways = append(k.Ways, *res)
	}
	k.Machine.LoadAfter = lab.LoadAvg()
	if jsonFile != "" {
		if err := k.write(jsonFile); err != nil {
			fmt.Fprintf(os.Stderr, "upgrade: -json: %v\n", err)
			return 1
		}
	}
	return status
}

// buildServers builds the servers the ways replace into dir.
func buildServers(dir string) error {
	root, err := lab.Root()
	if err != nil {
		return fmt.Errorf("%v: run from it, or use -bin", err)
	}
	var pkgs []string
	for _, name := range wayDesigns {
		ld, ok := lab.Lookup(name)
		if !ok {
			return fmt.Errorf("no design %s", name)
		}
		if !slices.Contains(pkgs, "./"+ld.Dir) {
			pkgs = append(pkgs, "./"+ld.Dir)
		}
	}
	for pkg, err := range lab.Build(root, dir, pkgs...) {
		return fmt.Errorf("building %s: %v", pkg, err)
	}
	return nil
}

// inNamespace runs this program again as the way's run (-inner), under
// unshare -n, and reads its result, one JSON line on its stdout.
func inNamespace(cfg *config, way string) (*result, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"-n"}
	if os.Geteuid() != 0 {
		args = append(args, "-r") // a user namespace, to own the network one
	}
	args = append(args, "--", exe, "-inner", way, "-k", fmt.Sprint(cfg.K),
		"-clients", fmt.Sprint(cfg.Clients), "-pool", fmt.Sprint(cfg.Pool),
		"-bytes", fmt.Sprint(cfg.Bytes), "-every", cfg.Every.String(),
		"-timeout", cfg.Timeout.String(), "-bin", cfg.Bin, fmt.Sprintf("-v=%v", cfg.Verbose))
	cmd := exec.Command("unshare", args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("unshare %s: %v", way, err)
	}
	var res result
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("%s: reading its result: %v", way, err)
	}
	return &res, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// binPath is the path of a server program: in cfg.Bin, or on $PATH if
// cfg.Bin is "PATH" (where the program is left to exec to find).
func binPath(cfg *config, prog string) string {
	if cfg.Bin == "PATH" {
		return prog
	}
	return filepath.Join(cfg.Bin, prog)
}
