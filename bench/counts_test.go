package main

import (
	"strings"
	"testing"
)

// TestKernelSummary: per connection is (loaded − the same round's idle) /
// connections, the median over rounds; a counter missing in any run is
// n/a with its reason, never 0; a row with calls counted one by one gets
// its breakdown, most first, and the rest as others.
func TestKernelSummary(t *testing.T) {
	res := &results{Targets: []target{{Name: "serv04-mutex", Row: 4},
		{Name: "C serv04", Row: 4, External: true, Argv: []string{"/c/serv04m"}}}}
	run := func(name string, round int, idle bool, k kernelCounts) {
		conns := 100
		if idle {
			conns = 0
		}
		res.Runs = append(res.Runs, Run{Name: name, Round: round, Idle: idle, OK: true,
			Wall: 1, Conns: conns, Kernel: &k})
	}
	for round, extra := range []uint64{0, 100, 300} {
		run("serv04-mutex", round, false, kernelCounts{Syscalls: 1000 + extra, Switches: 400,
			Voluntary: 350, Involuntary: 60, Split: true, Faults: 50, TaskClock: 0.01,
			Calls: map[string]uint64{"futex": 300, "read": 200, "gettid": 0}})
		run("serv04-mutex", round, true, kernelCounts{Syscalls: 100, Switches: 100,
			Voluntary: 90, Involuntary: 10, Split: true, Faults: 30, TaskClock: 0.002,
			Calls: map[string]uint64{"futex": 100}})
		missing := map[string]string{nSyscalls: "no tracefs"}
		run("C serv04", round, false, kernelCounts{Switches: 300, Faults: 20, Missing: missing})
		run("C serv04", round, true, kernelCounts{Switches: 100, Missing: missing})
	}
	res.summarize()
	g, c := res.Summary[0].Kernel, res.Summary[1].Kernel
	if g == nil || c == nil {
		t.Fatalf("no kernel summary: %+v", res.Summary)
	}
	// (1100 − 100) / 100: the middle round's.
	if g.Syscalls != 10 || g.Switches != 3 || g.Faults != 0.2 || !near(g.TaskClock, 80) {
		t.Errorf("Go: %+v", g)
	}
	if !g.Split || g.Voluntary != 2.6 || g.Involuntary != 0.5 {
		t.Errorf("Go's kinds of switch: %+v", g)
	}
	if g.Calls["futex"] != 2 || g.Calls["read"] != 2 || !near(g.Others, 6) {
		t.Errorf("Go's calls: %v, others %v", g.Calls, g.Others)
	}
	if c.Switches != 2 || c.Missing[nSyscalls] != "no tracefs" || c.Calls != nil {
		t.Errorf("C: %+v", c)
	}
	var b strings.Builder
	res.countsMarkdown(&b)
	out := b.String()
	for _, want := range []string{
		"| serv04-mutex | 10.00 | 3.00 | 2.60 / 0.50 | 0.20 | 80 |",
		"| C serv04 | n/a | 2.00 |",
		"n/a (system calls): no tracefs",
		"System calls of serv04-mutex per connection",
		"| futex | 2.00 |\n| read | 2.00 |\n| others (not counted apart) | 6.00 |\n| all | 10.00 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("counts lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "gettid") {
		t.Errorf("a call made 0 times per connection is listed:\n%s", out)
	}
}

// TestKernelSummaryNone: a row no run of which was counted has no summary,
// and the table is left out.
func TestKernelSummaryNone(t *testing.T) {
	res := &results{Targets: []target{{Name: "serv00-iterative"}},
		Runs: []Run{{Name: "serv00-iterative", OK: true, Wall: 1, Conns: 10}}}
	res.summarize()
	if res.Summary[0].Kernel != nil {
		t.Errorf("kernel summary of an uncounted row: %+v", res.Summary[0].Kernel)
	}
	var b strings.Builder
	res.countsMarkdown(&b)
	if b.Len() != 0 {
		t.Errorf("a table with nothing counted:\n%s", b.String())
	}
}

// TestSharedFutexLine: the breakdown sets the Go mutex's shared futex calls
// beside the C's, with the private ones in brackets.
func TestSharedFutexLine(t *testing.T) {
	calls := func(shared, private float64) *kernelSummary {
		return &kernelSummary{Syscalls: 7, Calls: map[string]float64{
			"futex shared": shared, "futex private": private}}
	}
	res := &results{Summary: []summary{
		{Name: "serv04-mutex", Series: "Go", Group: "serv04-mutex", OK: 1, Kernel: calls(0.8, 0.4)},
		{Name: "C serv04", Series: "C", Group: "serv04-mutex", OK: 1, Kernel: calls(1, 0)},
		{Name: "serv02-prefork", Series: "Go", Group: "serv02-prefork", OK: 1, Kernel: calls(0, 0.5)},
	}}
	var b strings.Builder
	res.breakdownMarkdown(&b)
	want := "per connection: serv04-mutex 0.80 (and 0.40 private) against C serv04's 1.00 " +
		"(and 0.00 private).\n"
	if !strings.Contains(b.String(), want) || strings.Contains(b.String(), "serv02-prefork 0.00") {
		t.Errorf("breakdown:\n%s\nwant the line ending %q, and no serv02 in it", b.String(), want)
	}
}
