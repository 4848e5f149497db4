package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"

	"slices"
	"strings"
	"testing"
	"time"

	"unp-go.dev/lab"
)

// TestMeasureSelf checks measure on this very process and a child of it.
func TestMeasureSelf(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	self, err := lab.Stat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	u := measure(os.Getpid())
	if u.children != 1 || u.zombies != 0 || u.fds < 6 || u.threads < self.Threads+1 {
		t.Errorf("measure(self) = %+v; want one child, at least %d threads", u, self.Threads+1)
	}
	if live, _ := children(os.Getpid()); !slices.Equal(live, []int{cmd.Process.Pid}) {
		t.Errorf("children(self) = %v, want [%d]", live, cmd.Process.Pid)
	}
}

// TestTCPState finds both ends of a real loopback connection and its
// listener in /proc/net/tcp, and sees the server's end leave ESTABLISHED
// when it closes: the checks on a client that never reads and on orphans
// depend on it.
func TestTCPState(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := dial(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if !serverHolds(c) {
		t.Fatal("serverHolds = false on an open connection")
	}
	if pids := listeners(ln.Addr().(*net.TCPAddr)); !slices.Contains(pids, os.Getpid()) {
		t.Errorf("listeners = %v for our own listening socket, want %d in it", pids, os.Getpid())
	}
	s.Close()
	ln.Close()
	if pids := listeners(ln.Addr().(*net.TCPAddr)); len(pids) > 0 {
		t.Errorf("listeners = %v after the listener closed", pids)
	}
	deadline := time.Now().Add(2 * time.Second)
	for serverHolds(c) {
		if time.Now().After(deadline) {
			t.Fatal("serverHolds still true 2 s after the server closed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCheckReport(t *testing.T) {
	cpu := "user time = 0.01, sys time = 0.02\n"
	for _, tt := range []struct {
		out, unit string
		n         int
		problem   string // substring; "" for none
	}{
		{"listening on 127.0.0.1:1\n" + cpu, "", 0, ""},
		{"child 0, 5 connections\nchild 1, 7 connections\n" + cpu, "child", 2, ""},
		{"thread 0, 5 connections\n" + cpu, "thread", 2, "1 lines"},
		{"child 0, 5 connections\nchild 1, 7 connections\n" + cpu, "thread", 2, "0 lines"},
		{"child 0, 5 connections\n", "child", 1, "last line"},
		{"", "", 0, "last line"},
	} {
		got := checkReport(tt.out, tt.unit, tt.n)
		if (tt.problem == "") != (got == "") || !strings.Contains(got, tt.problem) {
			t.Errorf("checkReport(%q, %q, %d) = %q, want %q", tt.out, tt.unit, tt.n, got, tt.problem)
		}
	}
}

func TestExcused(t *testing.T) {
	var k killLog
	t0 := time.Now()
	k.add(99)
	t1 := time.Now()
	if !k.killed(99) || k.killed(98) || k.count() != 1 {
		t.Fatalf("killLog does not remember pid 99 alone")
	}
	for _, tt := range []struct {
		end    ending
		t0, t1 time.Time
		want   bool
	}{
		{endEOF, t0, t1, true},
		{endReset, t0, t1, true},
		{endTimeout, t0, t1, false},                                       // a hung server is never the kill's fault
		{endOther, t0, t1, false},                                         // nor a refused connection
		{endEOF, t0.Add(killGrace / 2), t1.Add(time.Second), true},        // opened as the kill landed
		{endEOF, t1.Add(killGrace), t1.Add(time.Second), false},           // opened after the kill
		{endReset, t0.Add(-time.Second), t0.Add(-time.Nanosecond), false}, // over before it
	} {
		if got := k.excused(tt.end, tt.t0, tt.t1); got != tt.want {
			t.Errorf("excused(%s, %v, %v) = %v, want %v", tt.end, tt.t0.Sub(t0), tt.t1.Sub(t0), got, tt.want)
		}
	}
}

func TestTallyKeepsFewPerCheck(t *testing.T) {
	var ta tally
	for i := range 5 {
		ta.fail("good client", "failure %d", i)
	}
	ta.fail("refill", "once")
	got := ta.failures()
	want := []string{"good client: failure 0", "good client: failure 1", "good client: failure 2",
		"refill: once", "good client: 2 more like this"}
	if !slices.Equal(got, want) {
		t.Errorf("failures() = %q, want %q", got, want)
	}
}

func TestSelectDesigns(t *testing.T) {
	all, _ := selectDesigns(nil)
	if len(all) != len(lab.Designs) {
		t.Fatalf("default is %d designs, want every one of lab.Designs", len(all))
	}
	if ds, _ := selectDesigns([]string{"serv12"}); len(ds) != 2 || ds[1].Name != "serv12-reuseport" {
		t.Errorf("selectDesigns(serv12) = %v, want both modes", ds)
	}
	if ds, _ := selectDesigns([]string{"serv10"}); len(ds) != 2 || ds[1].Name != "serv10-exclusive" {
		t.Errorf("selectDesigns(serv10) = %v, want both modes", ds)
	}
	ds, err := selectDesigns([]string{"serv03", "serv0"})
	// serv0 is serv00 to serv09 with their variants; serv03 again changes nothing
	if err != nil || len(ds) != 16 || ds[0].Name != "serv00-iterative" {
		t.Errorf("selectDesigns(serv03, serv0) = %d designs, %v", len(ds), err)
	}
	if _, err := selectDesigns([]string{"serv9"}); err == nil {
		t.Error("selectDesigns(serv9) did not fail")
	}
}

func TestDesignShapes(t *testing.T) {
	byName := map[string]design{}
	for _, d := range designs {
		byName[d.Name] = d
	}
	cfg := &config{pool: 3, overload: 10, crowd: 300}
	for _, tt := range []struct {
		name          string
		slots, crowd  int
		children, arg int
	}{
		{"serv00-iterative", 1, 10, 0, 2},
		{"serv01-fork", 0, 30, 0, 2},
		{"serv02-prefork", 3, 30, 3, 3},
		{"serv05-fdpass", 3, 30, 3, 3},
		{"serv06-thread", 0, 300, 0, 2},
		{"serv08-mainaccept", 3, 30, 0, 3},
		{"serv10-exclusive", 3, 30, 3, 4},
		{"serv11-netpoll", 0, 300, 0, 2},
		{"serv11-netpool", 3, 30, 0, 3},
	} {
		d, ok := byName[tt.name]
		if !ok {
			t.Fatalf("no design %q", tt.name)
		}
		r := &run{cfg: cfg, d: d}
		if d.slots(3) != tt.slots || r.crowd() != tt.crowd || d.children(3) != tt.children || len(d.args(3)) != tt.arg {
			t.Errorf("%s: slots %d, crowd %d, children %d, args %q", tt.name, d.slots(3), r.crowd(), d.children(3), d.args(3))
		}
	}
}

func TestRow(t *testing.T) {
	res := &result{d: byName(t, "serv02-prefork"), conns: 789, served: 1234, hostile: 56, kills: 6, lost: 1,
		before: usage{fds: 31, threads: 15}, after: usage{fds: 31, threads: 16},
		stall: 510 * time.Millisecond, sigint: 20 * time.Millisecond}
	res.stopServed, res.stopTried, res.stopRan = 40, 41, true
	res.fd = fdFault{ran: true, cpu: 0.012, lines: 1, recover: 310 * time.Millisecond}
	res.nproc = nprocFault{ran: true, cpu: 0.03, recover: 20 * time.Millisecond}
	want := "serv02-prefork             789    1234      56     6     1      0  31→31    15→16          0 " +
		"0.51s  0.02s   40/41  1% 1.0/s 0.31s   3% 0.02s  PASS"
	if got := res.row(); got != want {
		t.Errorf("row:\n got %q\nwant %q", got, want)
	}
	res.failures = []string{"refill: ..."}
	if got := res.row(); !strings.HasSuffix(got, " FAIL") {
		t.Errorf("a failed row ends %q", got)
	}
	skip := &result{d: byName(t, "serv03-flock"), skip: "does not build: # unp-go.dev/serv03-flock"}
	if got := skip.row(); got != "serv03-flock            SKIP (does not build: # unp-go.dev/serv03-flock)" {
		t.Errorf("skipped row = %q", got)
	}
}

func TestEndingOf(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = dial(addr)
	if end := endingOf(err); end != endOther {
		t.Errorf("a refused connection ends %s, want error", end)
	}
	if end := endingOf(os.ErrDeadlineExceeded); end != endTimeout {
		t.Errorf("a deadline ends %s, want timeout", end)
	}
}

func TestTooSlow(t *testing.T) {
	r := &run{cfg: &config{idle: 100 * time.Millisecond}}
	t0 := time.Now()
	for _, tt := range []struct {
		w    time.Duration // when the request was sent, after t0
		got  int
		end  ending
		want bool
	}{
		{50 * time.Millisecond, 0, endEOF, true},  // half an idle timeout late: the server may close
		{time.Second, 0, endReset, true},          // or reset
		{49 * time.Millisecond, 0, endEOF, false}, // sooner: the server closed too early
		{time.Second, 1, endEOF, false},           // it had begun to answer
		{time.Second, 0, endTimeout, false},       // it hung: never torture's fault
	} {
		if got := r.tooSlow(try{}, t0, t0.Add(tt.w), tt.got, tt.end); got != tt.want {
			t.Errorf("tooSlow(sent after %v, got %d, %s) = %v, want %v", tt.w, tt.got, tt.end, got, tt.want)
		}
	}
	if n := r.t.slow.Load(); n != 2 {
		t.Errorf("counted %d slow requests, want 2", n)
	}
}

// TestLowestFree reads a child's descriptors (reading this process's own
// would open one more): sleep with 0, 1 and 2 and a hole at 3 before 4.
func TestLowestFree(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	cmd.ExtraFiles = []*os.File{nil, os.Stderr} // fd 3 closed, fd 4 open
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	// sleep may open files of its own as it starts (its locale): read its
	// descriptors once it is asleep
	wchan := fmt.Sprintf("/proc/%d/wchan", cmd.Process.Pid)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if b, _ := os.ReadFile(wchan); strings.Contains(string(b), "nanosleep") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("sleep never slept")
		}
	}
	if got := lowestFree(cmd.Process.Pid); got != 3 {
		t.Errorf("lowestFree = %d, want 3", got)
	}
}

// byName is the design of that name.
func byName(t *testing.T, name string) design {
	t.Helper()
	d, ok := lab.Lookup(name)
	if !ok {
		t.Fatalf("no design %s", name)
	}
	return design{d}
}
