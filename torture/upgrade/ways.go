package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/lab"
)

// runEnv marks every process of a run, in its environment, for killAll.
const runEnv = "UPGRADE_RUN"

// port is where every server listens, on 127.0.0.1 of the way's own
// network namespace: nothing else is there to take it.
const port = "9999"

// A result is what one way's run counted; the run sends it to runAll as
// JSON.
type result struct {
	Way                                       string
	Upgrades                                  int
	OK, Refused, Reset, Short, Timeout, Other int64
	Served                                    []int64 // by generation, oldest first
	Examples                                  map[string]string
	Notes                                     []string
	Faults                                    []result `json:",omitempty"` // the faults way's, by kind
}

const header = "way            upgrades      ok refused  reset  short timeout  other" +
	"   served: old    new   lost"

func (r *result) print(w io.Writer) {
	var old, last, all int64
	for i, n := range r.Served {
		if i == len(r.Served)-1 {
			last = n
		} else {
			old += n
		}
		all += n
	}
	lost := fmt.Sprint(all - r.OK)
	if len(r.Faults) > 0 {
		lost = "-" // a killed generation's meter dies with it: what it served is not known
	}
	fmt.Fprintf(w, "%-14s %8d %7d %7d %6d %6d %7d %6d %13d %6d %6s\n", r.Way, r.Upgrades, r.OK,
		r.Refused, r.Reset, r.Short, r.Timeout, r.Other, old, last, lost)
	for _, k := range []string{"refused", "reset", "short", "timeout", "other"} {
		if e := r.Examples[k]; e != "" {
			fmt.Fprintf(w, "    first %s: %s\n", k, e)
		}
	}
	for _, f := range r.Faults {
		fmt.Fprintf(w, "  %-12s %8d %7d %7d %6d %6d %7d %6d\n", f.Way, f.Upgrades, f.OK,
			f.Refused, f.Reset, f.Short, f.Timeout, f.Other)
	}
	// a note that repeats (one per fault of a kind) is said once, with its count
	var order []string
	times := map[string]int{}
	for _, n := range r.Notes {
		if times[n] == 0 {
			order = append(order, n)
		}
		times[n]++
	}
	for _, n := range order {
		if times[n] > 1 {
			fmt.Fprintf(w, "    note (%d times): %s\n", times[n], n)
		} else {
			fmt.Fprintf(w, "    note: %s\n", n)
		}
	}
}

// A gen is one generation of the server: its parent process.
type gen struct {
	pid  int
	cmd  *exec.Cmd // nil for a serv13 successor, which its predecessor started
	out  string    // its stdout file, where its report will be
	addr string    // its UNP_ADDR_FILE
}

// A driver is one way's run, in the namespace made for it.
type driver struct {
	cfg   *config
	way   string
	dir   string
	n     int      // generations started, for file names
	pids  []int    // every parent seen, each the leader of its process group
	lsock *os.File // the faults way's listening socket, held as a supervisor holds it
	outs  []string // stdout files, in the order of their first generation
	notes []string
	mu    sync.Mutex
}

// runInner is the run of one way: it sets up the namespace, puts the load
// on, upgrades K times, and prints the result.
func runInner(cfg *config, way string) int {
	d := &driver{cfg: cfg, way: way}
	res, err := d.run()
	d.killAll()
	if d.dir != "" {
		os.RemoveAll(d.dir)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "upgrade: %s: %v\n", way, err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

func (d *driver) run() (*result, error) {
	if err := exec.Command("ip", "link", "set", "lo", "up").Run(); err != nil {
		return nil, fmt.Errorf("bringing up the namespace's loopback (ip link set lo up): %v", err)
	}
	if on, ok := strings.CutPrefix(d.way, "reuseport-"); ok {
		val := map[string]string{"off": "0", "on": "1"}[on]
		err := os.WriteFile("/proc/sys/net/ipv4/tcp_migrate_req", []byte(val), 0)
		if err != nil {
			return nil, fmt.Errorf("net.ipv4.tcp_migrate_req in the namespace: %v", err)
		}
	}
	// Orphans come to this process: serv13's successors, once their
	// predecessor has exited, are then its children to reap.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("PR_SET_CHILD_SUBREAPER: %v", err)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() { <-sigs; d.killAll(); os.Exit(130) }()
	var err error
	if d.dir, err = os.MkdirTemp("", "upgrade-"+d.way+"-"); err != nil {
		return nil, err
	}

	cur, err := d.start()
	if err != nil {
		return nil, err
	}
	var t tally
	stop := make(chan struct{})
	loaded := make(chan struct{})
	go func() { load(d.cfg, "127.0.0.1:"+port, &t, stop); close(loaded) }()
	upgrades := 0
	faults := &faultTallies{by: map[string]*result{}}
	for _, k := range faultKinds {
		faults.by[k] = &result{Way: k}
	}
	for i := 1; i <= d.cfg.K; i++ {
		time.Sleep(d.cfg.Every)
		d.logf("upgrade %d", i)
		var next *gen
		var err error
		if d.way == "faults" {
			kind := faultKinds[(i-1)%len(faultKinds)]
			faults.switchTo(&t, kind)
			next, err = d.faulty(cur, kind)
		} else {
			next, err = d.upgrade(cur, i)
		}
		if err != nil {
			d.note("upgrade %d: %v", i, err)
			break
		}
		cur, upgrades = next, i
	}
	time.Sleep(d.cfg.Every)
	close(stop)
	<-loaded
	faults.switchTo(&t, "")
	if err := d.stop(cur); err != nil {
		d.note("stopping the last server: %v", err)
	}
	res := &result{Way: d.way, Upgrades: upgrades, OK: t.ok.Load(), Refused: t.refused.Load(),
		Reset: t.reset.Load(), Short: t.short.Load(), Timeout: t.timeout.Load(),
		Other: t.other.Load(), Examples: t.examples, Served: d.served(), Notes: d.notes}
	if d.way == "faults" {
		for _, k := range faultKinds {
			res.Faults = append(res.Faults, *faults.by[k])
		}
	}
	return res, nil
}

// upgrade replaces cur, the way this run measures, and returns the new
// generation, serving.
func (d *driver) upgrade(cur *gen, i int) (*gen, error) {
	switch d.way {
	case "handover":
		os.Remove(cur.addr)
		if err := unix.Kill(cur.pid, unix.SIGUSR2); err != nil {
			return nil, err
		}
		if err := waitFile(cur.addr); err != nil {
			return nil, err
		}
		pid, err := newParent(cur.out, i)
		if err != nil {
			return nil, err
		}
		d.mu.Lock()
		d.pids = append(d.pids, pid)
		d.mu.Unlock()
		if err := d.wait(cur); err != nil {
			return nil, err
		}
		return &gen{pid: pid, out: cur.out, addr: cur.addr}, nil
	case "restart":
		if err := d.stop(cur); err != nil {
			return nil, err
		}
		return d.start()
	default: // reuseport-off, reuseport-on: the new one beside the old, then the old stopped
		next, err := d.start()
		if err != nil {
			return nil, err
		}
		return next, d.stop(cur)
	}
}

// wayDesigns are the designs the ways replace, by way, from the one list
// of designs (lab.Designs): its program's directory and name.
var wayDesigns = map[string]string{"handover": "serv13-upgrade", "faults": "serv13-upgrade",
	"restart": "serv02-prefork", "reuseport-off": "serv09-reuseport",
	"reuseport-on": "serv09-reuseport"}

// program is the program of the design the way replaces.
func (d *driver) program() string {
	ld, _ := lab.Lookup(wayDesigns[d.way])
	return ld.Program()
}

// start starts a generation, in a process group of its own, and waits
// until it has written its address file.
func (d *driver) start() (*gen, error) {
	d.n++
	g := &gen{out: filepath.Join(d.dir, fmt.Sprintf("stdout-%d", d.n)),
		addr: filepath.Join(d.dir, fmt.Sprintf("addr-%d", d.n))}
	out, err := os.Create(g.out)
	if err != nil {
		return nil, err
	}
	defer out.Close()
	errf, err := os.Create(filepath.Join(d.dir, fmt.Sprintf("stderr-%d", d.n)))
	if err != nil {
		return nil, err
	}
	defer errf.Close()
	cmd := exec.Command(binPath(d.cfg, d.program()), "127.0.0.1", port, fmt.Sprint(d.cfg.Pool))
	if d.way == "faults" {
		if cmd, err = d.activated(cmd); err != nil {
			return nil, err
		}
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "UNP_") && !strings.HasPrefix(kv, "LISTEN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "UNP_ADDR_FILE="+g.addr, runEnv+"="+d.dir)
	cmd.Stdout, cmd.Stderr = out, errf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g.cmd, g.pid = cmd, cmd.Process.Pid
	d.mu.Lock()
	d.pids = append(d.pids, g.pid)
	d.outs = append(d.outs, g.out)
	d.mu.Unlock()
	return g, waitFile(g.addr)
}

// stop ends a generation with SIGTERM and waits for it.
func (d *driver) stop(g *gen) error {
	if err := unix.Kill(g.pid, unix.SIGTERM); err != nil {
		return err
	}
	return d.wait(g)
}

// wait waits (at most 30 s) for a generation's parent to exit, and reaps
// it: with its Cmd if this process started it, else by its PID, this
// process being its subreaper.
func (d *driver) wait(g *gen) error {
	done := make(chan error, 1)
	go func() {
		if g.cmd != nil {
			done <- g.cmd.Wait()
			return
		}
		for {
			var ws unix.WaitStatus
			_, err := unix.Wait4(g.pid, &ws, 0, nil)
			if err != unix.EINTR {
				if err == nil && (ws.Signaled() || ws.ExitStatus() != 0) {
					err = fmt.Errorf("pid %d: %v", g.pid, ws)
				}
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("pid %d has not exited after 30 s", g.pid)
	}
}

// newParent waits (at most 10 s) for the i-th "new parent PID ready" line
// in a serv13 stdout file, and returns the PID.
func newParent(out string, i int) (int, error) {
	re := regexp.MustCompile(`(?m)^new parent (\d+) ready; retiring$`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		data, _ := os.ReadFile(out)
		if m := re.FindAllStringSubmatch(string(data), -1); len(m) >= i {
			return strconv.Atoi(m[i-1][1])
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, fmt.Errorf("no %s line in %s after 10 s", ordinal(i), out)
}

func ordinal(i int) string { return fmt.Sprintf("#%d \"new parent\"", i) }

// waitFile waits (at most 10 s) until a server has written its address
// file.
func waitFile(path string) error {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if data, err := os.ReadFile(path); err == nil && len(data) > 0 {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("no address in %s after 10 s", path)
}

// served reads the reports in the stdout files, oldest generation first,
// and returns each one's connections: the sum of its "child I, N
// connections" lines.
func (d *driver) served() []int64 {
	re := regexp.MustCompile(`(?m)^child \d+, (\d+) connections$`)
	var counts []int64
	for _, out := range d.outs {
		data, _ := os.ReadFile(out)
		reports := strings.SplitAfter(string(data), "user time = ")
		for _, r := range reports[:len(reports)-1] {
			var sum int64
			for _, m := range re.FindAllStringSubmatch(r, -1) {
				n, _ := strconv.ParseInt(m[1], 10, 64)
				sum += n
			}
			counts = append(counts, sum)
		}
	}
	return counts
}

// killAll kills the process group of every parent seen, and reaps what
// is left: nothing this run started outlives it.
func (d *driver) killAll() {
	d.mu.Lock()
	pids := append([]int(nil), d.pids...)
	d.mu.Unlock()
	for _, pid := range pids {
		unix.Kill(-pid, unix.SIGKILL)
	}
	// and any other process of this run (a successor started in a moment
	// no look saw): every one inherits runEnv
	for _, p := range lab.Procs() {
		if env, err := lab.Env(p.Pid); err == nil && env[runEnv] == d.dir && d.dir != "" {
			unix.Kill(p.Pid, unix.SIGKILL)
		}
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		if _, err := unix.Wait4(-1, nil, unix.WNOHANG, nil); err == unix.ECHILD {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (d *driver) note(format string, a ...any) {
	d.notes = append(d.notes, fmt.Sprintf(format, a...))
}

func (d *driver) logf(format string, a ...any) {
	if d.cfg.Verbose {
		fmt.Fprintf(os.Stderr, "upgrade: %s: %s\n", d.way, fmt.Sprintf(format, a...))
	}
}
