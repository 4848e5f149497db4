package main

import (
	"bytes"
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"unp-go.dev/lab"
)

func TestInflightLoad(t *testing.T) {
	tests := []struct {
		c, procs, conns int
		want            load
	}{
		{1, 5, 2500, load{1, 1, 2500}},
		{5, 5, 2500, load{5, 1, 500}},
		{500, 5, 2500, load{5, 100, 5}},
		{7, 5, 700, load{1, 7, 100}},   // 7 is prime: one process of 7
		{20, 5, 10, load{5, 4, 1}},     // at least one connection each
		{12, 5, 1200, load{4, 3, 100}}, // the most processes that divide 12
	}
	for _, tt := range tests {
		if got := inflightLoad(tt.c, tt.procs, tt.conns); got != tt.want {
			t.Errorf("inflightLoad(%d, %d, %d) = %+v, want %+v", tt.c, tt.procs, tt.conns, got, tt.want)
		}
	}
}

func TestParsePoints(t *testing.T) {
	if got, err := parsePoints("workers", ""); err != nil || !slices.Equal(got, workerPoints) {
		t.Errorf("default: %v, %v", got, err)
	}
	if got, err := parsePoints("inflight", "1, 10,100"); err != nil || !slices.Equal(got, []int{1, 10, 100}) {
		t.Errorf("list: %v, %v", got, err)
	}
	for _, bad := range []string{"0", "x", "1,,2"} {
		if _, err := parsePoints("workers", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// sweepResults is a sweep of two designs over two points, two rounds each,
// with an idle run per round.
func sweepResults(what string) *results {
	res := &results{Machine: &lab.Machine{CPU: "test", Cores: 2}, Sweep: what, RoundsRun: 2,
		Children: 5, Loops: 10, Bytes: 4000, Workers: 15}
	for _, d := range []string{"serv02-prefork", "serv10-epoll"} {
		for _, p := range []int{1, 8} {
			name := d + " n=" + string(rune('0'+p))
			res.Targets = append(res.Targets, target{Name: name, Design: d, Point: p, Series: "Go"})
			for round := 1; round <= 2; round++ {
				c := &clientResult{Done: 5, Summary: true, Conns: 100, P50: 0.5, P99: float64(p),
					Tail: true, P999: 2 * float64(p), Max: 10}
				res.Runs = append(res.Runs,
					Run{Name: name, Round: round, OK: true, Wall: 0.1, Conns: 100,
						User: 0.01 * float64(p*round), Sys: 0.01, Client: c, ClientCPU: 0.2},
					Run{Name: name, Round: round, Idle: true, OK: true, User: 0.001 * float64(p)})
			}
		}
	}
	res.summarize()
	return res
}

func TestSweepSummary(t *testing.T) {
	res := sweepResults("workers")
	s, ok := res.point("serv02-prefork", 8)
	// round 1: (0.08 + 0.01 - 0.008) / 100 s = 820 µs; round 2: 1620 µs
	if !ok || !near(s.NetLo, 820) || !near(s.NetHi, 1620) || !near(s.Net, 1220) {
		t.Errorf("net CPU: %+v", s)
	}
	var b strings.Builder
	res.sweepMarkdown(&b)
	for _, want := range []string{"| design | n=1 | n=8 |", "| serv02-prefork | 240 (190–290) | 1220 (820–1620) |",
		"| serv10-epoll |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("sweep table lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	sweepResults("inflight").sweepMarkdown(&b)
	if want := "| 0.50 / 8.0 / 16.0 / 10 |"; !strings.Contains(b.String(), want) {
		t.Errorf("latency table lacks %q:\n%s", want, b.String())
	}
}

func TestSweepSVG(t *testing.T) {
	for _, what := range []string{"workers", "inflight"} {
		out := sweepResults(what).sweepSVG()
		if err := xml.Unmarshal(out, new(struct{})); err != nil {
			t.Errorf("%s: not XML: %v", what, err)
		}
		// two panels, one line per design in each
		if n := bytes.Count(out, []byte("<polyline ")); n != 4 {
			t.Errorf("%s: %d lines, want 4", what, n)
		}
		if !bytes.Contains(out, []byte(">serv10-epoll</text>")) {
			t.Errorf("%s: no legend entry", what)
		}
	}
}

func TestBesideOf(t *testing.T) {
	for name, want := range map[string]string{
		"C serv02l": "serv02-select", "C serv05": "serv05-fdpass", "C serv00": "serv00-iterative",
		"X serv10-exclusive": "serv10-exclusive", "nginx": "nginx",
	} {
		if got := besideOf(target{Name: name, Row: designRow(name)}); got != want {
			t.Errorf("besideOf(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestMakeVars(t *testing.T) {
	v := makeVars("# comment\nCC = gcc\nCFLAGS = -I../lib -O2\nall:\n\techo x = y\nLIB_OBJS =  a.o b.o\n")
	if v["CC"] != "gcc" || v["CFLAGS"] != "-I../lib -O2" || v["LIB_OBJS"] != "a.o b.o" || len(v) != 3 {
		t.Errorf("makeVars: %q", v)
	}
}

func TestBookServers(t *testing.T) {
	rows := bookServers("/c", 7)
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
		if r.Pooled != (r.Argv[len(r.Argv)-1] == "7") {
			t.Errorf("%s: pooled %v, argv %q", r.Name, r.Pooled, r.Argv)
		}
	}
	if got := strings.Join(names, ","); got != "C serv00,C serv01,C serv02,C serv02l,C serv03,"+
		"C serv04,C serv05,C serv06,C serv07,C serv08" {
		t.Errorf("rows %s", got)
	}
}

// The load line says at which priority the client ran: always, in some
// runs, or (as in runs kept before -realtime) nothing.
func TestClientPriority(t *testing.T) {
	res := sweepResults("rate")
	res.Duration = "2s"
	if got := res.sweepLoad(); strings.Contains(got, "priority") {
		t.Errorf("no run at real-time priority, yet: %s", got)
	}
	for i := range res.Runs {
		if !res.Runs[i].Idle {
			res.Runs[i].ClientPriority = "SCHED_RR 1"
		}
	}
	const always = "; the client at real-time priority (SCHED_RR 1)"
	if got := res.sweepLoad(); !strings.HasSuffix(got, always) {
		t.Errorf("every run at real-time priority: %s", got)
	}
	res.Runs[0].ClientPriority = ""
	if got := res.sweepLoad(); !strings.HasSuffix(got, "(SCHED_RR 1) in 7 of 8 runs") {
		t.Errorf("all but one run: %s", got)
	}
}
