package main

import (
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"unp-go.dev/lab"
)

func TestParseReport(t *testing.T) {
	tests := []struct {
		name, out string
		want      report
		err       string
	}{
		{name: "iterative, Go", out: "listening on 127.0.0.1:40001\n\nuser time = 0.03369, sys time = 0.117915\n",
			want: report{User: 0.03369, Sys: 0.117915}},
		{name: "prefork, C with meter", out: "child 4242 starting\nchild 4243 starting\n" +
			"child 1, 7 connections\nchild 0, 12 connections\n\nuser time = 0.1, sys time = 2e-06\n",
			want: report{User: 0.1, Sys: 2e-6, Unit: "child", Counts: []int{12, 7}}},
		{name: "prethreaded", out: "thread 0, 3 connections\r\nthread 1, 0 connections\r\n" +
			"user time = 1, sys time = 0\r\n",
			want: report{User: 1, Unit: "thread", Counts: []int{3, 0}}},
		{name: "no CPU line", out: "child 0, 3 connections\n", err: "no \"user time"},
		{name: "killed mid-line", out: "user time = 0.1, sys ti", err: "no \"user time"},
		{name: "negative", out: "user time = -1, sys time = 0\n", err: "bad CPU line"},
		{name: "mixed units", out: "child 0, 1 connections\nthread 1, 2 connections\n" +
			"user time = 0, sys time = 0\n", err: "both child and thread"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseReport(tt.out)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.User != tt.want.User || got.Sys != tt.want.Sys || got.Unit != tt.want.Unit ||
				!slices.Equal(got.Counts, tt.want.Counts) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseClient(t *testing.T) {
	ours := "child 0 done\nchild 1 done\n" +
		"2500 connections, 3 errors in 0.412 s: 6068 connections/s, latency p50 0.61 ms, p99 2.10 ms\n"
	got, err := parseClient(ours)
	want := clientResult{Done: 2, Summary: true, Conns: 2500, Errors: 3, Elapsed: 0.412,
		P50: 0.61, P99: 2.10}
	if err != nil || got != want {
		t.Errorf("ours: got %+v, %v; want %+v", got, err, want)
	}

	// Our client's second line: the tail and its own CPU.
	got, err = parseClient(ours + "latency p99.9 3.02 ms, max 4.87 ms; client CPU 0.351 s\n")
	want.Tail, want.P999, want.Max, want.CPU = true, 3.02, 4.87, 0.351
	if err != nil || got != want {
		t.Errorf("ours, two lines: got %+v, %v; want %+v", got, err, want)
	}
	if _, err = parseClient("latency p99.9 x ms, max 4.87 ms; client CPU 0.351 s\n"); err == nil {
		t.Error("bad p99.9 accepted")
	}

	// The book's client prints only the children's lines.
	got, err = parseClient("child 4 done\nchild 0 done\nchild 2 done\n")
	if err != nil || got != (clientResult{Done: 3}) {
		t.Errorf("book's: got %+v, %v", got, err)
	}

	// A summary line that does not parse is an error, not a zero.
	_, err = parseClient("2500 connections, 0 errors in 1.2.3 s: 1 connections/s, " +
		"latency p50 1 ms, p99 1 ms\n")
	if err == nil {
		t.Error("bad elapsed time accepted")
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		xs   []float64
		want float64
		ok   bool
	}{
		{nil, 0, false},
		{[]float64{3}, 3, true},
		{[]float64{5, 1, 3}, 3, true},
		{[]float64{4, 1, 3, 2}, 2.5, true},
		{[]float64{1, math.Inf(1), 2}, 2, true},
	}
	for _, tt := range tests {
		orig := slices.Clone(tt.xs)
		got, ok := median(tt.xs)
		if got != tt.want || ok != tt.ok {
			t.Errorf("median(%v) = %v, %v; want %v, %v", tt.xs, got, ok, tt.want, tt.ok)
		}
		if !slices.Equal(orig, tt.xs) {
			t.Errorf("median reordered its argument: %v", tt.xs)
		}
	}
}

func TestSpread(t *testing.T) {
	tests := []struct {
		counts  []int
		lo, hi  int
		ratio   float64
		comment string
	}{
		{[]int{10, 20, 15}, 10, 20, 2, "even enough"},
		{[]int{0, 5}, 0, 5, math.Inf(1), "an idle child"},
		{[]int{0, 0}, 0, 0, 0, "nobody served"},
		{nil, 0, 0, 0, "not a pooled design"},
	}
	for _, tt := range tests {
		lo, hi, ratio := spread(tt.counts)
		if lo != tt.lo || hi != tt.hi || ratio != tt.ratio {
			t.Errorf("%s: spread(%v) = %d, %d, %v", tt.comment, tt.counts, lo, hi, ratio)
		}
	}
}

func TestDesignRowAndSeries(t *testing.T) {
	tests := []struct {
		name     string
		external bool
		row      int
		series   string
	}{
		{"serv05-fdpass", false, 5, "Go"},
		{"C serv05", true, 5, "C"},
		{"C serv03m", true, 3, "C"},
		{"rust-serv8", true, 8, "rust-"},
		{"nginx", true, -1, "nginx"},
		{"serv10", true, 10, "serv10"},
		{"C serv11-netpoll", true, 11, "C"},
		{"serv123", true, -1, "serv123"},
	}
	for _, tt := range tests {
		if got := designRow(tt.name); got != tt.row {
			t.Errorf("designRow(%q) = %d, want %d", tt.name, got, tt.row)
		}
		if got := series(tt.name, tt.external); got != tt.series {
			t.Errorf("series(%q) = %q, want %q", tt.name, got, tt.series)
		}
	}
}

func TestServerFlag(t *testing.T) {
	var s serverFlags
	exe, err := os.Executable() // any program that exists
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set("C serv07=" + exe + " 127.0.0.1 {port} 15"); err != nil {
		t.Fatal(err)
	}
	if s[0].Name != "C serv07" || s[0].Row != 7 || !s[0].External ||
		!slices.Equal(s[0].Argv, []string{exe, "127.0.0.1", "{port}", "15"}) {
		t.Errorf("got %+v", s[0])
	}
	if got := portArgs(s[0].Argv, 4321); !slices.Equal(got, []string{exe, "127.0.0.1", "4321", "15"}) {
		t.Errorf("portArgs = %v", got)
	}
	for _, bad := range []string{
		exe + " 127.0.0.1 {port} 15",                // no name
		"x=" + exe + " 127.0.0.1 9999",              // no {port}
		"x=" + exe + " 0.0.0.0 {port}",              // not loopback
		"x=/nonexistent/serv07 127.0.0.1 {port} 15", // no such program
		"x=",
	} {
		if err := s.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted", bad)
		}
	}
}

func TestChooseDesigns(t *testing.T) {
	names := func(ds []lab.Design) (out []string) {
		for _, d := range ds {
			out = append(out, d.Name)
		}
		return out
	}
	got, err := chooseDesigns("serv05-fdpass, 3,serv07")
	if want := []string{"serv00-iterative", "serv03-flock", "serv03-rawfork", "serv05-fdpass",
		"serv07-threadpool"}; err != nil ||
		!slices.Equal(names(got), want) {
		t.Errorf("got %v, %v; want %v (serv00 always in)", names(got), err, want)
	}
	got, err = chooseDesigns("serv10,2")
	if want := []string{"serv00-iterative", "serv02-prefork", "serv02-select", "serv02-rawfork",
		"serv10-epoll", "serv10-exclusive"}; err != nil || !slices.Equal(names(got), want) {
		t.Errorf("got %v, %v; want %v (a row is every design in it)", names(got), err, want)
	}
	if _, err := chooseDesigns("serv99"); err == nil {
		t.Error("serv99 accepted")
	}
}

func TestPlace(t *testing.T) {
	goRows := []target{{Name: "serv00-iterative", Row: 0}, {Name: "serv05-fdpass", Row: 5}}
	ext := []target{{Name: "nginx", Row: -1}, {Name: "C serv05", Row: 5}, {Name: "C serv01", Row: 1},
		{Name: "C serv00", Row: 0}}
	var names []string
	for _, t := range place(goRows, ext) {
		names = append(names, t.Name)
	}
	want := []string{"serv00-iterative", "C serv00", "C serv01", "serv05-fdpass", "C serv05", "nginx"}
	if !slices.Equal(names, want) {
		t.Errorf("order %v, want %v", names, want)
	}
}

func TestSummarizeBaseline(t *testing.T) {
	res := &results{Targets: []target{
		{Name: "serv00-iterative", Row: 0}, {Name: "serv02-prefork", Row: 2},
		{Name: "C serv00", Row: 0, External: true, Argv: []string{"/c/serv00"}},
		{Name: "C serv02m", Row: 2, External: true, Argv: []string{"/c/serv02m"}},
		{Name: "X serv02", Row: 2, External: true, Argv: []string{"/x/serv02"}},
	}}
	add := func(name string, cpu float64, counts ...int) {
		res.Runs = append(res.Runs, Run{Name: name, OK: true, Wall: 0.5, Conns: 100,
			User: cpu / 2, Sys: cpu / 2, Counts: counts, Unit: "child"})
	}
	add("serv00-iterative", 0.1)
	add("serv00-iterative", 0.3)
	add("serv00-iterative", 0.2)
	add("serv02-prefork", 0.5, 40, 60)
	add("C serv00", 0.05)
	add("C serv02m", 0.25, 10, 90)
	add("X serv02", 0.4)
	res.Runs = append(res.Runs, Run{Name: "serv02-prefork", Err: "boom"},
		Run{Name: "serv02-prefork", Idle: true, OK: true, User: 0.07})
	res.summarize()
	s := res.Summary
	if !near(s[1].OverBase, 0.3) || !near(s[3].OverBase, 0.2) || s[4].HasBase {
		t.Errorf("over baseline: Go %v, C %v, X has base %v", s[1].OverBase, s[3].OverBase, s[4].HasBase)
	}
	if s[1].OK != 1 || s[1].Tried != 2 || s[1].Idle != 0.07 || s[0].HasIdle || !near(s[1].PerConn, 5000) || s[1].ConnRate != 200 {
		t.Errorf("serv02-prefork: %+v", s[1])
	}
	if s[3].MinCount != 10 || s[3].MaxCount != 90 || s[3].Ratio != 9 {
		t.Errorf("C serv02m spread: %+v", s[3])
	}
	var b strings.Builder
	res.Machine = &lab.Machine{}
	res.markdown(&b)
	res.versus(&b)
	for _, want := range []string{"| 2 | serv02-prefork |", "| 0.300 | 0.070 |", "| 0 | C serv00 | serv00 |",
		"children 10–90 (9.00×)", "| 2 | serv02-prefork | C serv02m | 2.00 | — | 1.00 |", "serv02-prefork: 1 of 2 runs failed: round 0: boom"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// The longer report of our client's -rate and -conns, as the client prints
// it (client/report.go).
func TestParseClientReport(t *testing.T) {
	rate := "child 0 done\nchild 1 done\n" +
		"400 connections of 1 request, 3 errors in 0.403 s: offered 1000/s, achieved 994/s\n" +
		"errors: refused 0, reset 1, timed out 2, short reply 0, other 0\n" +
		"latency corrected: p50 0.500 ms, p99 3.310 ms, p99.9 4.825 ms, max 4.825 ms\n" +
		"latency uncorrected: p50 0.381 ms, p99 2.621 ms, p99.9 4.589 ms, max 4.600 ms\n" +
		"schedule: lag p99 0.770 ms, max 3.127 ms; 2 of 400 over 1ms late: on schedule\n" +
		"client CPU 0.266 s, 0.120 s during the load: 300.0 us a request\n"
	got, err := parseClient(rate)
	want := clientResult{Done: 2, Summary: true, Conns: 400, Errors: 3, Elapsed: 0.403,
		P50: 0.5, P99: 3.31, Tail: true, P999: 4.825, Max: 4.825, CPU: 0.266,
		Report: true, Offered: 1000, Achieved: 994, Kinds: [5]int{0, 1, 2, 0, 0},
		RawP50: 0.381, RawP99: 2.621, RawP999: 4.589, RawMax: 4.6, LagP99: 0.77, LagMax: 3.127,
		LoadCPU: 0.12, PerRequest: 300}
	if err != nil || got != want {
		t.Errorf("rate report:\n got %+v, %v\nwant %+v", got, err, want)
	}

	held := strings.Replace(rate, "400 connections of 1 request, 3 errors in 0.403 s: "+
		"offered 1000/s", "380 requests on 60 held connections, 3 errors in 0.403 s: "+
		"offered closed loop", 1)
	held = strings.Replace(held, ": on schedule", ": the client fell behind its schedule, "+
		"discard this point", 1)
	got, err = parseClient(held)
	if err != nil || got.Conns != 380 || got.Held != 60 || got.Offered != 0 || !got.Behind {
		t.Errorf("held report: %+v, %v", got, err)
	}

	bad := strings.Replace(rate, "p99 3.310 ms", "p99 x ms", 1)
	if _, err := parseClient(bad); err == nil {
		t.Error("a latency line with no number accepted")
	}
}

// Every C program the one list pairs with a design is one the bench builds
// from the book (-book), and its row stands beside that design.
func TestBookRowsBeside(t *testing.T) {
	for _, d := range lab.Designs {
		if d.C == "" {
			continue
		}
		if !slices.ContainsFunc(cPrograms, func(p cProgram) bool { return p.row == d.C }) {
			t.Errorf("%s: the bench builds no %q", d.Name, d.C)
		}
		if got := besideOf(target{Name: d.C, Row: d.Row}); got != d.Name && d.Of == "" {
			t.Errorf("%s stands beside %s, want %s", d.C, got, d.Name)
		}
	}
}
