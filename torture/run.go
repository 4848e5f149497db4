package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// config is the command line.
type config struct {
	bins     map[string]string // program name → executable; skip reasons in skips
	skips    map[string]string
	pool     int           // #children or #threads of the pooled designs
	idle     time.Duration // the servers' UNP_IDLE_TIMEOUT
	dur      time.Duration // how long the load runs
	kills    int           // children killed per process design
	good     int           // well-behaved clients at once
	hostile  int           // hostile clients at once
	overload int           // an overload burst is this many × the pool
	crowd    int           // ... and this many for serv06-thread
	loops    int           // loops per child of the client run after the load
	seed     uint64
	dir      string
	keep     bool
	verbose  bool
}

// A result is what one design went through.
type result struct {
	d                      design
	skip                   string
	conns, served, hostile int64
	lost, errors           int64
	slow, inAccept         int64
	kills                  int
	before, after          usage
	stall, sigint          time.Duration
	failures               []string
}

func (res *result) verdict() string {
	switch {
	case res.skip != "":
		return "SKIP"
	case len(res.failures) > 0:
		return "FAIL"
	}
	return "PASS"
}

// A run is one design under torture.
type run struct {
	cfg   *config
	d     design
	srv   *server
	t     tally
	kills killLog
	seq   atomic.Uint64 // for per-goroutine random sources
}

// torture puts one design through every phase and says how it did. A
// design that could not be built or found is skipped.
func torture(cfg *config, d design) *result {
	res := &result{d: d}
	if reason := cfg.skips[d.name]; reason != "" {
		res.skip = reason
		return res
	}
	r := &run{cfg: cfg, d: d}
	srv, err := startServer(cfg.bins[d.name], d.name, d.args(cfg.pool), cfg.idle,
		filepath.Join(cfg.dir, d.name))
	if err != nil {
		res.failures = []string{"start: " + err.Error()}
		return res
	}
	r.srv = srv
	defer func() {
		if err := srv.kill(); err != nil {
			r.t.fail("clean-up", "%v", err)
		}
		r.crashes()
		res.conns, res.served, res.hostile = r.t.conns.Load(), r.t.served.Load(), r.t.hostile.Load()
		res.lost, res.errors, res.kills = r.t.lost.Load(), r.t.errors.Load(), r.kills.count()
		res.slow, res.inAccept = r.t.slow.Load(), r.t.inAccept.Load()
		res.failures = r.t.failures()
	}()

	phases := []struct {
		name string
		f    func()
	}{
		{"warm-up", r.warmUp},
		{"stall", func() { res.stall = r.stalls() }},
		{"quiet before", func() { res.before = r.quietBefore() }},
		{"load", r.load},
		{"client", r.stillServes},
		{"quiet after", func() { res.after = r.quietAfter(res.before) }},
		{"SIGINT", func() { res.sigint = r.interrupt() }},
	}
	start := time.Now()
	for _, p := range phases {
		r.logf("%s: %s at %.2fs", d.name, p.name, time.Since(start).Seconds())
		p.f()
		if !srv.Running() && p.name != "SIGINT" {
			r.t.fail("exited", "during %s: %s", p.name, srv.Cmd.ProcessState)
			return res
		}
	}
	if d.forks {
		r.orphans()
	}
	return res
}

func (r *run) logf(format string, a ...any) {
	if r.cfg.verbose {
		fmt.Printf("# "+format+"\n", a...)
	}
}

func (r *run) rng() *rand.Rand {
	return rand.New(rand.NewPCG(r.cfg.seed, r.seq.Add(1)))
}

// patience bounds one connection of the load: long enough to wait behind
// every hostile client holding an iterative server for an idle timeout.
func (r *run) patience() time.Duration {
	return 10*time.Second + time.Duration(2*(r.cfg.hostile+2))*r.cfg.idle
}

// A try is one connection of torture's: when it began, and how much the
// server had written on stderr by then, so that a failure quotes only what
// the server said since (client ports are reused many times in a run).
type try struct {
	c    net.Conn // nil until connected
	t0   time.Time
	mark int64
}

func (r *run) begin() try { return try{t0: time.Now(), mark: r.srv.stderrSize()} }

// failed handles a well-formed request that was not answered: a loss to a
// kill, or an error, quoting what the server said about the connection.
func (r *run) failed(t try, end ending, check, format string, a ...any) {
	if r.kills.excused(end, t.t0, time.Now()) {
		r.t.lost.Add(1)
		return
	}
	r.t.errors.Add(1)
	if said := r.srv.said(t.c, t.mark); said != "" {
		format, a = format+"; the server said %q", append(a, said)
	}
	r.t.fail(check, format, a...)
}

// tooSlow reports (and counts) a request on t that the server closed or
// reset unanswered when the server may have been right to: its idle timeout
// had run out. That is so if the server says so on stderr ("idle timeout"),
// or if we sent the request, at w, half an idle timeout or more after the
// server began to wait for it (no sooner than prev: our previous request,
// or our connect). A well-behaved client sends within milliseconds, but
// under load torture itself is late, and loopback delivery lags (softirq
// work deferred to ksoftirqd) by more than the sender can see. So the load
// cannot judge the timeout; the stall phase does, in quiet, both ways: no
// staller cut off before the timeout, none long after it.
func (r *run) tooSlow(t try, prev, w time.Time, got int, end ending) bool {
	if got > 0 || !end.closed() {
		return false
	}
	if w.Sub(prev) < r.cfg.idle/2 && !strings.Contains(r.srv.said(t.c, t.mark), "idle timeout") {
		return false
	}
	r.t.slow.Add(1)
	return true
}

// good is one well-behaved connection: one to three requests of random
// sizes, each answered with exactly the bytes asked for, then a half-close
// that must bring EOF and not a byte more.
func (r *run) good(rng *rand.Rand, patience time.Duration) {
	tr := r.begin()
	t0 := tr.t0
	c, err := dial(r.srv.addr)
	r.t.conns.Add(1)
	if err != nil {
		r.failed(tr, endOther, "good client", "connect: %v", err)
		return
	}
	tr.c = c
	defer c.Close()
	c.SetDeadline(t0.Add(patience))
	nreq, prev := 1+rng.IntN(3), t0
	for i := range nreq {
		n := requestSize(rng)
		w := time.Now()
		_, err := fmt.Fprintf(c, "%d\n", n)
		got, end := 0, endingOf(err)
		if err == nil {
			got, end = drain(c, n)
		}
		if end != endDone {
			if !r.tooSlow(tr, prev, w, got, end) {
				r.failed(tr, end, "good client", "request %d of %d, sent %v after the last: "+
					"asked for %d bytes, read %d, then %s",
					i+1, nreq, w.Sub(prev).Round(time.Millisecond), n, got, end)
			}
			return
		}
		prev = w
		r.t.served.Add(1)
	}
	c.CloseWrite()
	if extra, end := drain(c, -1); extra > 0 || end != endEOF {
		r.failed(tr, end, "good client", "after the last reply read %d more bytes, then %s; want EOF",
			extra, end)
	}
}

// burst opens n connections at once, each sending its request as soon as
// it is connected (a server that accepts at once starts its idle timer
// then); only when all n are open does each half-close and read its reply.
// Every one must be served, none refused or reset.
func (r *run) burst(n int) {
	conns, sent := make([]*net.TCPConn, n), make([]time.Time, n)
	tr := r.begin()
	t0 := tr.t0
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, err := dial(r.srv.addr)
			r.t.conns.Add(1)
			if err != nil {
				r.failed(tr, endOther, "overload", "connection %d of %d: %v", i+1, n, err)
				return
			}
			c.SetDeadline(time.Now().Add(r.patience()))
			w := time.Now()
			if _, err := fmt.Fprintf(c, "%d\n", 1000+i); err != nil {
				if !r.tooSlow(try{c, t0, tr.mark}, t0, w, 0, endingOf(err)) {
					r.failed(try{c, t0, tr.mark}, endingOf(err), "overload",
						"connection %d of %d: %v", i+1, n, err)
				}
				c.Close()
				return
			}
			sent[i], conns[i] = w, c
		})
	}
	wg.Wait()
	for i, c := range conns {
		if c == nil {
			continue
		}
		wg.Go(func() {
			defer c.Close()
			c.CloseWrite()
			if got, end := drain(c, -1); got != 1000+i || end != endEOF {
				if r.tooSlow(try{c, t0, tr.mark}, t0, sent[i], got, end) {
					return
				}
				r.failed(try{c, t0, tr.mark}, end, "overload",
					"connection %d of %d: read %d bytes, then %s; want %d, then EOF",
					i+1, n, got, end, 1000+i)
				return
			}
			r.t.served.Add(1)
		})
	}
	wg.Wait()
}

// crowd is the size of an overload burst.
func (r *run) crowd() int {
	if r.d.crowd {
		return r.cfg.crowd
	}
	n := r.d.slots(r.cfg.pool)
	if r.d.perClient {
		n = r.cfg.pool // 10 × as many as a pool would have
	}
	return r.cfg.overload * n
}

// warmUp makes the server reach its working size before the "before"
// counts: a few good connections and one overload burst, so that threads
// the Go runtime starts once and keeps are not counted as growth.
func (r *run) warmUp() {
	rng := r.rng()
	for range 5 {
		r.good(rng, r.patience())
	}
	r.burst(r.crowd())
}

// stalls fills every slot of the server with clients that say nothing,
// then with clients that send a byte every half idle timeout, and each
// time times a good client behind them. It returns the longer wait.
func (r *run) stalls() time.Duration {
	n := max(r.cfg.pool, 2)
	if !r.d.pooled {
		n = 2
	}
	return max(r.stall("idle", n, r.cfg.idle), r.stall("one-byte-at-a-time", n, 2*r.cfg.idle))
}

// stall runs n stallers of a kind, each of which holds a slot for at most
// perSlot, then one good client. With s slots, the good client must be
// served within ceil(n/s) × perSlot, plus a margin for the machine.
func (r *run) stall(kind string, n int, perSlot time.Duration) time.Duration {
	rounds := 1
	if s := r.d.slots(r.cfg.pool); s > 0 {
		rounds = (n + s - 1) / s
	}
	margin := time.Second + r.cfg.idle/2
	bound := time.Duration(rounds)*perSlot + margin
	deadline := time.Now().Add(bound + time.Second)
	connected := make(chan bool, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			c, err := dial(r.srv.addr)
			r.t.conns.Add(1)
			connected <- true
			if err != nil {
				r.t.fail("stall", "%s client: %v", kind, err)
				return
			}
			defer c.Close()
			t0 := time.Now()
			var end ending
			if kind == "idle" {
				c.SetDeadline(deadline)
				_, end = drain(c, -1)
			} else {
				end = dribble(c, r.cfg.idle/2, deadline)
			}
			switch took := time.Since(t0); {
			case !end.closed() || took > bound:
				r.t.fail("stall", "%s client: %s after %v; want the server's close within %v",
					kind, end, took.Round(time.Millisecond), bound)
			case took < r.cfg.idle-r.cfg.idle/10:
				// Not a hair's breadth: the server's read, and so its
				// timer, can start before this goroutine has run after
				// dial and read the clock, and the kernel keeps the
				// timeout in jiffies. (Seen: 499 ms of a 500 ms timeout
				// on a busy machine.)
				r.t.fail("stall", "%s client: the server closed after %v, before the idle timeout (%v)",
					kind, took.Round(time.Millisecond), r.cfg.idle)
			}
		})
	}
	for range n {
		<-connected
	}
	t0 := time.Now()
	ok, problem, _ := exchange(r, t0.Add(bound), 100, 0, "100\n")
	wait := time.Since(t0)
	r.t.conns.Add(1)
	if !ok && problem != "" {
		r.t.fail("stall", "good client behind %d %s clients: %s after %v (bound %v)",
			n, kind, problem, wait.Round(time.Millisecond), bound)
	}
	wg.Wait()
	return wait
}

// quietBefore waits for the server to be quiet after warm-up and stalls,
// and returns what it holds.
func (r *run) quietBefore() usage {
	u, ok := r.settle(2*time.Second+2*r.cfg.idle, nil)
	if !ok {
		r.t.fail("quiet", "never quiet before the load: %+v", u)
	}
	return u
}

// quietAfter waits (the hostile connections' idle timeouts included) until
// the server holds no more than before the load, and says what grew.
//
// Threads get some slack: the Go runtime starts a thread whenever all its
// threads are blocked and a goroutine is ready to run, and keeps it for the
// life of the process. A few more after a load is the runtime; a leak grows
// with the connections, thousands of them.
func (r *run) quietAfter(before usage) usage {
	threads := before.threads + threadSlack*(1+before.children)
	if r.d.crowd {
		// A thread per connection blocked at once: the runtime keeps as
		// many as the load's peak, which the warm-up may not have reached.
		threads += r.cfg.crowd + r.cfg.good + r.cfg.hostile
	}
	ok := func(u usage) bool { return u.fds <= before.fds && u.threads <= threads }
	u, quiet := r.settle(2*time.Second+2*r.cfg.idle, ok)
	if quiet {
		return u
	}
	if u.fds > before.fds {
		r.t.fail("descriptors", "%d open before the load, %d after", before.fds, u.fds)
	}
	if u.threads > threads {
		r.t.fail("threads", "%d before the load, %d after, want at most %d",
			before.threads, u.threads, threads)
	}
	if want := r.d.children(r.cfg.pool); u.children != want {
		r.t.fail("children", "%d after the load, want %d", u.children, want)
	}
	if u.zombies > r.d.children(r.cfg.pool) {
		r.t.fail("zombies", "%d after the load", u.zombies)
	}
	return u
}

// threadSlack is how many threads a Go process may add under load.
const threadSlack = 4

// settle waits until the server is quiet: its pool at full strength (and
// no other child), no zombie, ok (if not nil) true, and two samples 100 ms
// apart the same. It returns the last sample.
func (r *run) settle(limit time.Duration, ok func(usage) bool) (usage, bool) {
	deadline := time.Now().Add(limit)
	var prev usage
	for {
		u := measure(r.srv.Pid())
		quiet := u.children == r.d.children(r.cfg.pool) && u.zombies == 0 && (ok == nil || ok(u))
		if quiet && u == prev {
			return u, true
		}
		if time.Now().After(deadline) {
			return u, false
		}
		prev = u
		time.Sleep(100 * time.Millisecond)
	}
}

// load runs, for cfg.dur, the well-behaved clients, the hostile ones,
// overload bursts and (process designs) the child killer all at once.
func (r *run) load() {
	end := time.Now().Add(r.cfg.dur)
	var wg sync.WaitGroup
	for range r.cfg.good {
		rng := r.rng()
		wg.Go(func() {
			for time.Now().Before(end) && r.srv.Running() {
				r.good(rng, r.patience())
			}
		})
	}
	// The hostile clients take the kinds in turn until the time is up and
	// every kind has had its go.
	var next atomic.Int64
	for range r.cfg.hostile {
		rng := r.rng()
		wg.Go(func() {
			for {
				k := int(next.Add(1) - 1)
				if k >= len(hostiles) && !time.Now().Before(end) || !r.srv.Running() {
					return
				}
				r.hostileOnce(hostiles[k%len(hostiles)], rng)
			}
		})
	}
	wg.Go(func() {
		for first := true; first || time.Now().Before(end) && r.srv.Running(); first = false {
			r.burst(r.crowd())
		}
	})
	stop := make(chan struct{})
	var watch sync.WaitGroup
	if r.d.forks && r.cfg.kills > 0 {
		wg.Go(func() { r.killer(end) })
	}
	if r.d.forks && r.d.pooled {
		watch.Go(func() { r.watchChildren(stop) })
	}
	wg.Wait()
	close(stop)
	watch.Wait()
}

func (r *run) hostileOnce(h hostile, rng *rand.Rand) {
	t0 := time.Now()
	served, problem, end := h.run(r, rng, t0.Add(r.patience()))
	r.t.hostile.Add(1)
	r.t.conns.Add(1)
	r.t.served.Add(int64(served))
	switch {
	case problem == "":
	case h.wellFormed:
		r.failed(try{t0: t0}, end, "hostile "+h.name, "%s", problem)
	default:
		r.t.fail("hostile "+h.name, "%s", problem)
	}
}

// killer sends SIGKILL to a child at a random moment in each of cfg.kills
// equal slices of the load, and for a pool checks that the parent starts a
// new child in its place. Every other victim is the child blocked in
// accept, if there is one: the lock holder in serv03 and serv04.
func (r *run) killer(end time.Time) {
	rng := r.rng()
	start := time.Now()
	slice := r.cfg.dur / time.Duration(r.cfg.kills)
	for i := range r.cfg.kills {
		at := start.Add(slice*time.Duration(i) + time.Duration(rng.Int64N(int64(slice))))
		time.Sleep(time.Until(at))
		pid := 0
		if i%2 == 1 {
			pid = r.waitChild(rng, true, time.Now().Add(2*r.cfg.idle))
		}
		if pid == 0 {
			pid = r.waitChild(rng, false, end) // serv01 may have no client right now
		}
		if pid == 0 {
			r.logf("%s: no child to kill", r.d.name)
			return
		}
		accepting := inAccept(pid)
		if accepting {
			r.t.inAccept.Add(1)
		}
		r.logf("%s: SIGKILL child %d (in accept: %v)", r.d.name, pid, accepting)
		r.kills.add(pid)
		syscall.Kill(pid, syscall.SIGKILL)
		if r.d.pooled {
			r.waitRefill(pid)
		}
	}
}

// pickChild chooses a live child that the fork analog started as "child"
// (if acceptor, one blocked in accept(2)), or returns 0.
func (r *run) pickChild(rng *rand.Rand, acceptor bool) int {
	live, _ := children(r.srv.Pid())
	rng.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	for _, pid := range live {
		if role(pid) == "child" && (!acceptor || inAccept(pid)) {
			return pid
		}
	}
	return 0
}

// waitChild tries pickChild until it finds one or deadline passes.
func (r *run) waitChild(rng *rand.Rand, acceptor bool, deadline time.Time) int {
	for {
		if pid := r.pickChild(rng, acceptor); pid != 0 || !time.Now().Before(deadline) {
			return pid
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitRefill waits up to 3 s until victim is gone and the pool is full.
func (r *run) waitRefill(victim int) {
	deadline := time.Now().Add(3 * time.Second)
	for {
		live, _ := children(r.srv.Pid())
		if len(live) == r.cfg.pool && !slices.Contains(live, victim) {
			return
		}
		if time.Now().After(deadline) {
			r.t.fail("refill", "3 s after SIGKILL of child %d: children %v, want %d",
				victim, live, r.cfg.pool)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// watchChildren notices children that die without being killed: a pool
// that quietly replaces a child that crashed on bad input hides the crash.
func (r *run) watchChildren(stop chan struct{}) {
	seen := map[int]bool{}
	for {
		live, _ := children(r.srv.Pid())
		for pid := range seen {
			if !slices.Contains(live, pid) && !r.kills.killed(pid) {
				r.t.fail("child died", "child %d exited, and torture did not kill it", pid)
			}
		}
		clear(seen)
		for _, pid := range live {
			seen[pid] = true
		}
		select {
		case <-stop:
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

var summary = regexp.MustCompile(`(?m)^(\d+) connections, (\d+) errors`)

// stillServes runs the book's client against the server after the load,
// two processes of cfg.loops connections each (a tenth for serv01): it must
// make every connection without an error, and the quiet check that follows
// counts descriptors and threads after all of them.
func (r *run) stillServes() {
	bin := r.cfg.bins["client"]
	if bin == "" {
		rng := r.rng()
		for range 20 {
			r.good(rng, r.patience())
		}
		return
	}
	loops := r.cfg.loops
	if r.d.forks && r.d.perClient {
		loops = max(1, loops/10) // a fork and exec per connection: 14 ms of CPU each here
	}
	host, port, _ := net.SplitHostPort(r.srv.addr)
	limit := time.Minute + time.Duration(2*loops)*20*time.Millisecond // 20 ms a connection is slow
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, host, port, "2", strconv.Itoa(loops), "4000")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	m := summary.FindSubmatch(out)
	if err != nil || m == nil || string(m[2]) != "0" {
		line, _, _ := strings.Cut(stderr.String(), "\n")
		r.t.fail("client", "client %s %s 2 %d 4000: %v: %s %s", host, port, loops, err,
			strings.TrimSpace(string(out)), line)
		return
	}
	n, _ := strconv.Atoi(string(m[1]))
	r.t.served.Add(int64(n))
	r.t.conns.Add(int64(n))
}

// interrupt sends SIGINT while well-behaved clients keep coming, and
// checks that the server exits 0 within two seconds with its report, and
// leaves no process behind. It returns how long the exit took.
func (r *run) interrupt() time.Duration {
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range r.cfg.good {
		rng := r.rng()
		wg.Go(func() {
			for !stop.Load() {
				r.quietGood(rng)
			}
		})
	}
	defer wg.Wait()
	defer stop.Store(true)
	time.Sleep(100 * time.Millisecond)
	t0 := time.Now()
	syscall.Kill(r.srv.Pid(), syscall.SIGINT)
	select {
	case <-r.srv.Exited():
	case <-time.After(5 * time.Second):
		r.t.fail("SIGINT", "still running 5 s after SIGINT under load")
		return 5 * time.Second
	}
	took := r.srv.ExitedAt().Sub(t0)
	if took > 2*time.Second {
		r.t.fail("SIGINT", "took %v to exit, want at most 2 s", took.Round(time.Millisecond))
	}
	if !r.srv.Cmd.ProcessState.Success() {
		r.t.fail("SIGINT", "%s, want exit status 0", r.srv.Cmd.ProcessState)
	}
	if problem := checkReport(r.srv.stdout(), r.d.unit, r.cfg.pool); problem != "" {
		r.t.fail("SIGINT", "%s", problem)
	}
	if err := r.srv.WaitGone(time.Second); err != nil {
		r.t.fail("SIGINT", "after the server exited: %v", err)
	}
	return took
}

// quietGood is a good connection whose failure does not count: the server
// is being interrupted.
func (r *run) quietGood(rng *rand.Rand) {
	c, err := dial(r.srv.addr)
	if err != nil {
		time.Sleep(10 * time.Millisecond)
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	fmt.Fprintf(c, "%d\n", requestSize(rng))
	drain(c, -1)
}

var (
	cpuLine  = regexp.MustCompile(`^user time = [0-9.e+-]+, sys time = [0-9.e+-]+$`)
	slotLine = regexp.MustCompile(`(?m)^(child|thread) \d+, \d+ connections$`)
)

// checkReport checks what a server printed when interrupted: n lines
// "UNIT I, N connections" for a pool, and last the book's CPU line.
func checkReport(stdout, unit string, n int) string {
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	if last := lines[len(lines)-1]; !cpuLine.MatchString(last) {
		return fmt.Sprintf("last line of the report is %.60q, want \"user time = U, sys time = S\"", last)
	}
	if unit == "" {
		return ""
	}
	got := 0
	for _, m := range slotLine.FindAllStringSubmatch(stdout, -1) {
		if m[1] == unit {
			got++
		}
	}
	if got != n {
		return fmt.Sprintf("report has %d lines \"%s I, N connections\", want %d", got, unit, n)
	}
	return ""
}

// orphans starts the server again, kills its parent with SIGKILL, and
// checks that no child keeps running or listening on the port.
func (r *run) orphans() {
	r.logf("%s: SIGKILL of the parent", r.d.name)
	srv, err := startServer(r.cfg.bins[r.d.name], r.d.name, r.d.args(r.cfg.pool), r.cfg.idle,
		filepath.Join(r.cfg.dir, r.d.name+"-orphans"))
	if err != nil {
		r.t.fail("parent killed", "restart: %v", err)
		return
	}
	defer srv.kill()
	if r.d.perClient { // give it a child: a client that stays
		if c, err := dial(srv.addr); err == nil {
			defer c.Close()
			for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
				if live, _ := children(srv.Pid()); len(live) > 0 {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	}
	kids, _ := children(srv.Pid())
	syscall.Kill(srv.Pid(), syscall.SIGKILL)
	if err := srv.WaitGone(2 * time.Second); err != nil {
		r.t.fail("parent killed", "children %v: 2 s after SIGKILL of the parent: %v", kids, err)
	}
	if addr, err := net.ResolveTCPAddr("tcp4", srv.addr); err == nil && listening(addr) {
		r.t.fail("parent killed", "a process still listens on %s", srv.addr)
	}
}

// crashes looks for a Go panic or fatal error in the server's stderr,
// which its children share.
func (r *run) crashes() {
	for _, name := range []string{r.d.name, r.d.name + "-orphans"} {
		text := readFile(filepath.Join(r.cfg.dir, name, "stderr"))
		for _, word := range []string{"panic: ", "fatal error: "} {
			if i := strings.Index(text, word); i >= 0 {
				line, _, _ := strings.Cut(text[i:], "\n")
				r.t.fail("crash", "%s", line)
			}
		}
	}
}
