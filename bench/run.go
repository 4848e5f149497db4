package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"unp-go.dev/lab"
	"unp-go.dev/unp"
)

// Bounds on the parts of one run that do not depend on the load.
const (
	startTimeout = 10 * time.Second // start to ready
	stopTimeout  = 10 * time.Second // SIGINT to exit
	pollEvery    = 5 * time.Millisecond
)

// Run is one design's run in one round: the raw numbers of -json.
type Run struct {
	Name  string  `json:"name"`
	Round int     `json:"round"`
	Idle  bool    `json:"idle,omitempty"` // started and interrupted, no client
	OK    bool    `json:"ok"`
	Err   string  `json:"error,omitempty"`
	Ready float64 `json:"ready_s"` // server start to ready
	Wall  float64 `json:"wall_s"`  // client start to client exit
	Conns int     `json:"connections"`
	Errs  int     `json:"errors"`
	// User and Sys are what the server printed: the book's numbers.
	User float64 `json:"user_s"`
	Sys  float64 `json:"sys_s"`
	// Wait4User and Wait4Sys are what wait4(2) reported for the server
	// and its reaped children, including the shutdown after it printed.
	Wait4User float64 `json:"wait4_user_s"`
	Wait4Sys  float64 `json:"wait4_sys_s"`
	// BusyCores is how many CPUs the whole machine kept busy, on average,
	// while the client ran (from /proc/stat); ClientCPU is the client's
	// user + sys time with its children. What is left of BusyCores once
	// the server and the client are taken out is other people's work.
	BusyCores float64 `json:"busy_cores"`
	ClientCPU float64 `json:"client_cpu_s"`
	// ClientPriority is the real-time policy the client ran at
	// (-realtime), empty for its usual one.
	ClientPriority string `json:"client_priority,omitempty"`
	// Stuck is what a client killed at -timeout was doing then, a line
	// per process (lab.Snapshot).
	Stuck  string        `json:"stuck,omitempty"`
	Unit   string        `json:"unit,omitempty"`
	Counts []int         `json:"counts,omitempty"`
	Client *clientResult `json:"client,omitempty"`
	// Kernel is what the kernel counted over the server's tree from ready
	// to exit (counts.go); nil when not counted (-counts=false, the floor).
	Kernel *kernelCounts `json:"kernel,omitempty"`
	// In a -sweep conns: the PSS of the server's process tree, kB, once
	// ready and before the client, and the most it reached while the client
	// held its connections (sampled), with the number of processes then.
	PSS0     int64 `json:"pss0_kb,omitempty"`
	PSSMax   int64 `json:"pss_max_kb,omitempty"`
	PSSProcs int   `json:"pss_procs,omitempty"`

	notStarted bool // the server never became ready
}

// runAll runs every target, round after round, printing progress.
func (c *config) runAll(tmp string, p *plan, res *results) {
	took := map[string]time.Duration{}
	for round := 1; round <= c.rounds; round++ {
		if round > 1 && c.budget > 0 {
			var next time.Duration // a round takes what the last one took
			for _, d := range took {
				next += d
			}
			if time.Since(c.started)+next > c.budget {
				res.Stopped = fmt.Sprintf("%d asked; round %d would have ended past the %v -budget",
					c.rounds, round, c.budget)
				unp.Err_msg("stopping after round %d: %s", round-1, res.Stopped)
				break
			}
		}
		res.RoundsRun = round
		for i, t := range res.Targets {
			if res.Skipped[t.Name] != "" {
				continue
			}
			t0 := time.Now()
			r := c.runOnce(tmp, p.loaderFor(t), t, round, false)
			if r.notStarted && !res.ranOnce(t.Name) {
				res.skip(t.Name, r.Err)
				unp.Err_msg("round %d/%d %s: skipped: %s", round, c.rounds, t.Name, r.Err)
				continue
			}
			idle := c.runOnce(tmp, p.loaderFor(t), t, round, true)
			took[t.Name] = time.Since(t0)
			res.Runs = append(res.Runs, r, idle)
			eta := c.etaAfter(res, took, round, i)
			switch {
			case !r.OK:
				unp.Err_msg("round %d/%d %-18s FAILED: %s  ETA %s", round, c.rounds, t.Name, r.Err, eta)
			case !idle.OK:
				unp.Err_msg("round %d/%d %-18s FAILED idle: %s  ETA %s", round, c.rounds, t.Name,
					idle.Err, eta)
			default:
				unp.Err_msg("round %d/%d %-18s %6.3f s %6.0f conn/s  CPU %.3f s  idle %.3f s  ETA %s",
					round, c.rounds, t.Name, r.Wall, float64(r.Conns)/r.Wall, r.User+r.Sys,
					idle.User+idle.Sys, eta)
			}
		}
	}
}

// etaAfter estimates the time left after target i of round: each run left
// takes what that target took last time (or the mean of the others).
func (c *config) etaAfter(res *results, took map[string]time.Duration, round, i int) string {
	var sum time.Duration
	for _, d := range took {
		sum += d
	}
	mean := sum / time.Duration(len(took))
	var left time.Duration
	for r := round; r <= c.rounds; r++ {
		for j, t := range res.Targets {
			if (r == round && j <= i) || res.Skipped[t.Name] != "" {
				continue
			}
			if d, ok := took[t.Name]; ok {
				left += d
			} else {
				left += mean
			}
		}
	}
	if c.budget > 0 { // runAll starts no round that would end past it
		left = min(left, max(0, c.budget-time.Since(c.started)))
	}
	return left.Round(time.Second).String()
}

// runOnce starts the server, waits until it is ready, runs the client
// (unless idle), interrupts the server and reads its report. An idle run
// measures what the server costs to start and stop. Whatever fails, the
// server's and the client's process groups are gone when it returns.
func (c *config) runOnce(tmp string, ld loader, t target, round int, idle bool) (r Run) {
	r = Run{Name: t.Name, Round: round, Idle: idle}
	if t.Floor {
		return floorOnce(t, r, c.loadOf(t))
	}
	base := filepath.Join(tmp, fmt.Sprintf("%s.%d.%v", fileName(t.Name), round, idle))
	argv, env := t.Argv, append(os.Environ(), t.Env...)
	if c.sweep == "conns" {
		// A held connection may wait, before its first request, for the
		// client's opening (bounded by a timeout) and its place in the
		// period: longer than the servers' default idle timeout.
		env = append(env, "UNP_IDLE_TIMEOUT="+(2*loadTimeout+2*c.every).String())
	}
	var port int
	if t.External {
		var err error
		if port, err = freePort(); err != nil {
			r.Err = err.Error()
			return r
		}
		argv = portArgs(argv, port)
		if t.Peer != "" {
			if argv, err = c.peerArgv(t, base+".peer", port); err != nil {
				r.Err, r.notStarted = err.Error(), true
				return r
			}
		}
	} else {
		env = append(env, "UNP_ADDR_FILE="+base+".addr")
	}
	t0 := time.Now()
	srv, err := start(argv, env, base+".srv", syscall.SIGINT)
	if err != nil {
		r.Err, r.notStarted = err.Error(), true
		return r
	}
	defer stop(srv) // a no-op once the server's group has gone

	if t.External {
		err = waitConnect(port, srv)
	} else {
		port, err = waitAddrFile(base+".addr", srv)
	}
	if err != nil {
		r.Err, r.notStarted = err.Error()+stderrOf(base+".srv"), true
		return r
	}
	r.Ready = time.Since(t0).Seconds()
	counts := c.startCounts(srv, t) // after ready: start-up is not counted
	defer counts.close()

	if !idle {
		var mem *memWatch
		if c.sweep == "conns" {
			mem = watchMemory(srv, &r, c.maxPSS)
		}
		err := c.runClient(ld, port, base+".cli", t, &r)
		if mem != nil {
			if over := mem.end(); over != "" {
				err = errors.New(over)
			}
		}
		if err != nil {
			r.Err = err.Error()
			return r
		}
	}

	r.OK = interrupt(srv, base, t, counts, &r)
	return r
}

// interrupt sends the server SIGINT (a peer its own graceful stop), waits
// for it to exit and reads its report (a peer's CPU from wait4: it prints
// none) and the kernel's counts into r. It reports whether all went well;
// if not, r.Err says why.
func interrupt(srv *lab.Group, base string, t target, counts *counting, r *Run) bool {
	sig := syscall.SIGINT
	if p, ok := peerNamed(t.Peer); ok {
		sig = p.Stop
	}
	srv.Cmd.Process.Signal(sig)
	select {
	case <-srv.Exited():
	case <-time.After(stopTimeout):
		r.Err = fmt.Sprintf("still running %v after SIGINT: killed", stopTimeout)
		return false
	}
	if err := leftovers(srv); err != nil {
		r.Err = err.Error()
		return false
	}
	r.Kernel = counts.finish(srv)
	if ru, ok := srv.Cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.Wait4User = float64(ru.Utime.Nano()) / 1e9
		r.Wait4Sys = float64(ru.Stime.Nano()) / 1e9
	}
	if t.Peer != "" {
		r.User, r.Sys = r.Wait4User, r.Wait4Sys
		if !srv.Cmd.ProcessState.Success() {
			r.Err = fmt.Sprintf("%s %v after its stop signal%s", t.Peer, srv.Cmd.ProcessState,
				stderrOf(base+".srv"))
		}
		return r.Err == ""
	}
	out, _ := os.ReadFile(base + ".srv.out")
	rep, err := parseReport(string(out))
	if !srv.Cmd.ProcessState.Success() {
		err = fmt.Errorf("server %v after SIGINT%s", srv.Cmd.ProcessState, stderrOf(base+".srv"))
	}
	if err != nil {
		r.Err = err.Error()
		return false
	}
	r.User, r.Sys, r.Unit, r.Counts = rep.User, rep.Sys, rep.Unit, rep.Counts
	return r.Err == ""
}

// load is what the client does against one target: children processes of
// loops connections each, inflight at once in each (-inflight).
type load struct{ children, inflight, loops int }

func (l load) conns() int { return l.children * l.inflight * l.loops }

// floorOnce is runOnce for the floor row: one child per connection of the
// load, nothing for an idle run.
func floorOnce(t target, r Run, l load) Run {
	if !r.Idle {
		if err := runFloor(t.Argv[0], l.conns(), &r); err != nil {
			r.Err = err.Error()
			return r
		}
	}
	r.OK = true
	return r
}

// runClient runs the client with the book's arguments (and -inflight K
// when K > 1; -rate or -conns in those sweeps, where the target's point
// is the rate or the connections held) against port and fills in the wall
// time, the connections and the errors. In a rate or conns sweep the
// client's errors are what the run measured, not its failure.
func (c *config) runClient(ld loader, port int, base string, t target, r *Run) error {
	l := c.loadOf(t)
	argv := []string{ld.Path}
	if ld.Kind == "book" && ld.Name == "ours" && c.http {
		argv = append(argv, "-http")
	}
	if l.inflight > 1 {
		argv = append(argv, "-inflight", strconv.Itoa(l.inflight))
	}
	tolerant := false
	switch {
	case ld.Kind != "book": // ab or wrk
		argv = append(argv[:1], c.webArgs(ld.Kind, port, l)...)
	case (c.sweep == "rate" || c.sweep == "conns") && t.Point > 0:
		argv, tolerant = append(argv, c.loadArgs(c.sweep, t.Point, l, port)...), true
	default:
		argv = append(argv, "127.0.0.1", strconv.Itoa(port),
			strconv.Itoa(l.children), strconv.Itoa(l.loops), strconv.Itoa(c.bytes))
	}
	busy0, t0 := cpuBusy(), time.Now()
	cli, err := start(argv, os.Environ(), base, syscall.SIGKILL)
	if err != nil {
		return err
	}
	if tolerant && c.realtime {
		r.ClientPriority = loopPolicy()
	}
	select {
	case <-cli.Exited():
	case <-time.After(c.timeout):
		r.Stuck = cli.Snapshot() // where it stood, for whoever looks into it
		unp.Err_msg("%s: the client outstayed -timeout %v; it stood so: %s", t.Name, c.timeout,
			strings.ReplaceAll(r.Stuck, "\n", " | "))
		stop(cli)
		return fmt.Errorf("client still running after %v: killed (its state: the run's stuck)",
			c.timeout)
	}
	r.Wall = time.Since(t0).Seconds()
	r.BusyCores = (cpuBusy() - busy0) / r.Wall
	if ru, ok := cli.Cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.ClientCPU = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
	}
	stop(cli) // its children, if any outlived it
	out, _ := os.ReadFile(base + ".out")
	cr, err := parseLoader(ld.Kind, string(out))
	if err != nil {
		return fmt.Errorf("%w%s", err, stderrOf(base))
	}
	if ld.Kind != "book" {
		cr.Done = l.children // ab and wrk have no processes of their own to count
	}
	r.Client = &cr
	want := l.conns()
	r.Conns, r.Errs = want, (l.children-cr.Done)*l.inflight*l.loops // the book's client: a child quits at its first error
	if cr.Summary {
		r.Conns, r.Errs = cr.Conns, cr.Errors
	}
	switch {
	case tolerant && (!cr.Report || cr.Done != l.children):
		return fmt.Errorf("client: no report, %d of %d children done (%v)%s",
			cr.Done, l.children, cli.Cmd.ProcessState, stderrOf(base))
	case tolerant:
		return nil
	case r.Errs > 0 || cr.Done != l.children:
		return fmt.Errorf("client: %d errors, %d of %d children done%s",
			r.Errs, cr.Done, l.children, stderrOf(base))
	case !cli.Cmd.ProcessState.Success():
		return fmt.Errorf("client %v%s", cli.Cmd.ProcessState, stderrOf(base))
	}
	return nil
}

// loopPolicy is what -realtime gives the client's event loop (client
// -realtime), as runs record it; "" when the bench may not raise a
// priority, which it finds once (lab.RealtimeAllowed) and says.
var loopPolicy = sync.OnceValue(func() string {
	if err := lab.RealtimeAllowed(); err != nil {
		unp.Err_msg("the client's event loop runs at its usual priority: %v", err)
		return ""
	}
	return "SCHED_FIFO 1, the event loop's thread"
})

// start runs argv in a process group of its own (lab.Start), with
// standard output and error in base.out and base.err. deathsig reaches the
// process if the bench dies; SIGINT lets a server reap its children first.
func start(argv, env []string, base string, deathsig syscall.Signal) (*lab.Group, error) {
	if argv[0] == "" {
		return nil, errors.New("no program")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	return lab.Start(cmd, base+".out", base+".err", deathsig)
}

// stop kills g's process group unless it has gone, waits for it, and reaps
// the group's orphans, which the kernel hands to the bench (a child
// subreaper, see main).
func stop(g *lab.Group) {
	if err := g.Kill(2 * time.Second); err != nil {
		unp.Err_msg("%v", err)
	}
}

// leftovers reports a server whose children outlived it (for up to a
// second after it exited), and kills them.
func leftovers(srv *lab.Group) error {
	err := srv.WaitGone(time.Second)
	if err == nil {
		return nil
	}
	srv.Kill(time.Second)
	return fmt.Errorf("the server's group after it exited: %v: killed", err)
}

// waitAddrFile waits for a Go server's UNP_ADDR_FILE and returns its port.
func waitAddrFile(path string, srv *lab.Group) (int, error) {
	deadline := time.Now().Add(startTimeout)
	for {
		if data, err := os.ReadFile(path); err == nil {
			host, port, err := net.SplitHostPort(strings.TrimSpace(string(data)))
			if err != nil || host != "127.0.0.1" {
				return 0, fmt.Errorf("address file holds %q, want 127.0.0.1:PORT", data)
			}
			return strconv.Atoi(port)
		}
		if err := waitTick(srv, deadline); err != nil {
			return 0, err
		}
	}
}

// waitConnect waits until an external server is ready: it catches SIGINT
// and answers a one-byte request on 127.0.0.1:port. Answering alone is not
// enough: the book's servers listen before they make their children or
// threads, which serve at once, and install the SIGINT handler only after
// the last one is made; a SIGINT before that kills the server and orphans
// its children. The handler, seen in /proc/PID/status, is the C server's
// "ready".
func waitConnect(port int, srv *lab.Group) error {
	deadline := time.Now().Add(startTimeout)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for {
		err := errors.New("no SIGINT handler yet")
		if lab.Catches(srv.Pid(), syscall.SIGINT) {
			err = probe(addr)
		}
		if err == nil {
			return nil
		}
		if werr := waitTick(srv, deadline); werr != nil {
			return fmt.Errorf("%v (last try: %v)", werr, err)
		}
	}
}

// probe makes one request of one byte.
func probe(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	var b [1]byte
	if _, err = io.WriteString(c, "1\n"); err == nil {
		_, err = io.ReadFull(c, b[:])
	}
	return err
}

// waitTick waits one poll interval, or reports that the server exited or
// that the deadline passed.
func waitTick(srv *lab.Group, deadline time.Time) error {
	select {
	case <-srv.Exited():
		if ps := srv.Cmd.ProcessState; !ps.Success() {
			return fmt.Errorf("exited before it was ready (%v)", ps)
		}
		return errors.New("exited before it was ready")
	case <-time.After(pollEvery):
	}
	if time.Now().After(deadline) {
		return fmt.Errorf("not ready after %v", startTimeout)
	}
	return nil
}

// freePort asks the kernel for a free port on 127.0.0.1, for an external
// server that cannot take port 0.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// stderrOf returns ": " and the first line a program wrote on standard
// error, or "" if it wrote nothing.
func stderrOf(base string) string {
	data, _ := os.ReadFile(base + ".err")
	if line := firstLine(string(data)); line != "" {
		return ": " + line
	}
	return ""
}

// cpuBusy is the CPU time, in seconds over all CPUs, the machine has spent
// on anything but idling since boot: the first line of /proc/stat, in
// USER_HZ (100 on Linux) ticks.
func cpuBusy() float64 {
	data, _ := os.ReadFile("/proc/stat")
	f := strings.Fields(firstLine(string(data)))
	var busy float64
	for i, v := range f {
		n, err := strconv.ParseFloat(v, 64)
		// user nice system idle iowait irq softirq steal: skip idle, iowait
		if i == 0 || i == 4 || i == 5 || i > 8 || err != nil {
			continue
		}
		busy += n
	}
	return busy / 100
}

// otherCores is how many CPUs, on average, work other than the server and
// the client kept busy during a run. The server's CPU includes its start-up
// before the client ran, so this errs low.
func (r Run) otherCores() float64 {
	return max(0, r.BusyCores-(r.ClientCPU+r.User+r.Sys)/r.Wall)
}

// fileName is a row's name as a file's: "nginx_accept_mutex_ab".
func fileName(name string) string {
	return strings.Join(strings.FieldsFunc(name, func(r rune) bool {
		return !(r == '-' || r == '.' || r == '=' || r >= '0' && r <= '9' ||
			r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}), "_")
}
