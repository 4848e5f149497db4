package main

import (
	"bytes"
	"encoding/xml"
	"slices"
	"strings"
	"testing"
	"time"

	"unp-go.dev/lab"
)

func TestRatePoints(t *testing.T) {
	// a tenth of 1000 to twice 20000, geometrically, two figures each
	got := ratePoints([]float64{1000, 5000, 20000}, 8)
	if got[0] != 100 || got[len(got)-1] != 40000 || len(got) != 8 || !slices.IsSorted(got) {
		t.Errorf("ratePoints = %v, want 8 rising points from 100 to 40000", got)
	}
	for _, tt := range []struct {
		x    float64
		want int
	}{{0.2, 1}, {7.4, 7}, {123, 120}, {1456, 1500}, {99999, 100000}} {
		if got := round2(tt.x); got != tt.want {
			t.Errorf("round2(%v) = %d, want %d", tt.x, got, tt.want)
		}
	}
	if ratePoints(nil, 8) != nil {
		t.Error("points with no capacity")
	}
	if !rateKeep(1000, 2000) || rateKeep(1000, 2001) || !rateKeep(0, 1e6) {
		t.Error("rateKeep: a design runs up to twice its capacity, every point if unknown")
	}
}

func TestLoadArgs(t *testing.T) {
	c := &config{bytes: 4000}
	l := rateLoad(1000, 5, 5*time.Second)
	if l != (load{5, 1, 1000}) {
		t.Errorf("rateLoad(1000/s, 5 processes, 5 s) = %+v, want 5 × 1000 connections", l)
	}
	if l := rateLoad(1, 5, time.Second); l.children*l.loops < 5 {
		t.Errorf("rateLoad: %+v, want at least a connection per process", l)
	}
	c.realtime = false // with it, "-realtime" where this machine allows it: below
	got := strings.Join(c.loadArgs("rate", 1000, l, 9999), " ")
	if got != "-rate 1000 -timeout 10s 127.0.0.1 9999 5 1000 4000" {
		t.Errorf("rate args: %s", got)
	}
	c.every, c.duration = 2*time.Second, 5*time.Second
	got = strings.Join(c.loadArgs("conns", 3000, load{5, 1, 1}, 9999), " ")
	if got != "-conns 3000 -every 2s -duration 5s -timeout 10s 127.0.0.1 9999 5 1 4000" {
		t.Errorf("conns args: %s", got)
	}
	c.realtime = true
	got = strings.Join(c.loadArgs("rate", 1000, l, 9999), " ")
	if loopPolicy() != "" && got != "-rate 1000 -timeout 10s -realtime 127.0.0.1 9999 5 1000 4000" {
		t.Errorf("rate args, -realtime: %s", got)
	}
	if connsProcs(3, 5) != 3 || connsProcs(10000, 5) != 5 {
		t.Error("connsProcs: a process per connection at most, -children at most")
	}
	if loadNofile("conns", []int{10, 10000}) != 10256 || loadNofile("rate", nil) != 8192 {
		t.Error("loadNofile")
	}
}

// The targets of a conns sweep: every chosen design at each point, named
// by it, with the client processes that share the connections.
func TestLoadTargets(t *testing.T) {
	d, _ := lab.Lookup("serv10-epoll")
	c := &config{load: load{5, 1, 500}, duration: 2 * time.Second, designs: []lab.Design{d}}
	ts := c.sweepTargets("conns", map[string]string{}, nil, []int{3, 100})
	if len(ts) != 2 || ts[0].Name != "serv10-epoll C=3" || ts[0].Children != 3 ||
		ts[1].Children != 5 || ts[1].Point != 100 || ts[1].Design != "serv10-epoll" {
		t.Errorf("conns targets: %+v", ts)
	}
	ts = c.sweepTargets("rate", map[string]string{}, nil, []int{500})
	if len(ts) != 1 || ts[0].Name != "serv10-epoll r=500" || c.loadOf(ts[0]).conns() != 1000 {
		t.Errorf("rate targets: %+v", ts)
	}
	if ts := c.sweepTargets("probe", map[string]string{}, nil, nil); len(ts) != 1 ||
		ts[0].Name != "serv10-epoll" || ts[0].Point != 0 {
		t.Errorf("probe targets: %+v", ts)
	}
}

// loadResults is a rate (or conns) sweep of two designs over two points,
// two rounds each; at the higher point serv02-prefork's client fell
// behind in one round and had errors.
func loadResults(what string) *results {
	res := &results{Machine: &lab.Machine{CPU: "test", Cores: 2}, Sweep: what, RoundsRun: 2,
		Children: 5, Bytes: 100, Workers: 15, Duration: "5s", Every: "1s",
		Capacity: map[string]float64{"serv02-prefork": 900, "serv10-epoll": 9000}}
	for _, d := range []string{"serv02-prefork", "serv10-epoll"} {
		for _, p := range []int{100, 1000} {
			name := d + " r=" + map[int]string{100: "100", 1000: "1000"}[p]
			res.Targets = append(res.Targets, target{Name: name, Design: d, Point: p, Series: "Go"})
			for round := 1; round <= 2; round++ {
				c := &clientResult{Done: 5, Summary: true, Report: true, Conns: 500, Tail: true,
					P50: 0.1, P99: float64(p) / 100 * float64(round), P999: float64(p) / 50,
					Max: 30, RawP99: 0.5, Achieved: float64(p), Offered: float64(p),
					PerRequest: 20, Held: p}
				r := Run{Name: name, Round: round, OK: true, Wall: 5, Conns: 500,
					User: 0.1, Sys: 0.1, Client: c}
				if d == "serv02-prefork" && p == 1000 && round == 2 {
					c.Behind, c.Errors, c.Kinds = true, 7, [5]int{0, 0, 7, 0, 0}
				}
				if what == "conns" {
					r.PSS0, r.PSSMax = 10000, 10000+int64(p)*int64(map[string]int{
						"serv02-prefork": 0, "serv10-epoll": 4}[d])
				}
				res.Runs = append(res.Runs, r,
					Run{Name: name, Round: round, Idle: true, OK: true, User: 0.05})
			}
		}
	}
	res.summarize()
	return res
}

func TestLoadSummary(t *testing.T) {
	res := loadResults("rate")
	s, _ := res.point("serv02-prefork", 1000)
	// the round the client fell behind is counted, and left out of the latency
	if s.Behind != 1 || s.LatRuns != 1 || s.P99 != 10 || s.Kinds != [5]int{0, 0, 7, 0, 0} {
		t.Errorf("behind: %+v", s)
	}
	s, _ = res.point("serv10-epoll", 1000)
	if s.Behind != 0 || s.LatRuns != 2 || s.P99 != 15 || s.P99Lo != 10 || s.P99Hi != 20 {
		t.Errorf("latency: %+v", s)
	}
	var b strings.Builder
	res.sweepMarkdown(&b)
	for _, want := range []string{
		"Sweep over the offered rate (connections/s, open loop)",
		"| design | r=100 | r=1000 |",
		"| serv02-prefork | 1.50 / 2.00 | 10.0 / 20.0 |",
		"| serv02-prefork | 100 | 1000 (7 timed out in 2 runs) |",
		"Capacity probe (closed loop, 5 processes × -inflight 4), connections/s: " +
			"serv02-prefork 900; serv10-epoll 9000;",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("rate tables lack %q:\n%s", want, b.String())
		}
	}

	res = loadResults("conns")
	s, _ = res.point("serv10-epoll", 1000)
	if s.PSSPerConn != 4 || s.Held != 1000 || s.PSS != 14000 {
		t.Errorf("memory: %+v", s)
	}
	b.Reset()
	res.sweepMarkdown(&b)
	for _, want := range []string{"| design | C=100 | C=1000 |",
		"| serv10-epoll | 4.0 (4.0–4.0) | 4.0 (4.0–4.0) |", "| serv02-prefork | 9.8; 100 |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("conns tables lack %q:\n%s", want, b.String())
		}
	}
}

func TestLoadSVG(t *testing.T) {
	for what, lines := range map[string]int{"rate": 4, "conns": 3} {
		out := loadResults(what).sweepSVG()
		if err := xml.Unmarshal(out, new(struct{})); err != nil {
			t.Errorf("%s: not XML: %v", what, err)
		}
		// rate: p99 and p99.9, a line per design in each; conns: memory only
		// for the design whose memory grows, p99 for both
		if n := bytes.Count(out, []byte("<polyline ")); n != lines {
			t.Errorf("%s: %d lines, want %d", what, n, lines)
		}
		if !bytes.Contains(out, []byte("Beyond the book")) {
			t.Errorf("%s: no title", what)
		}
	}
}
