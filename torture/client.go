package main

import (
	"context"
	"net"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The book's client, after the load: two processes of -loops connections
// each (a tenth for serv01, which pays a fork and exec for each), which
// must make every connection without an error. The load's clients are
// torture's own; this one is the client a reader runs, at its pace, and
// the quiet check that follows counts descriptors and threads after all
// of its connections too.

var summary = regexp.MustCompile(`(?m)^(\d+) connections, (\d+) errors`)

// stillServes runs the client against the server, or, without one (-bin
// lacks it), 20 good connections of torture's own.
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
	if r.d.Forks && r.d.PerClient {
		loops = max(1, loops/10) // a fork and exec per connection: 14 ms of CPU each here
	}
	host, port, _ := net.SplitHostPort(r.srv.addr)
	out, stderr, err := runClient(bin, host, port, loops)
	m := summary.FindSubmatch(out)
	if err != nil || m == nil || string(m[2]) != "0" {
		line, _, _ := strings.Cut(stderr, "\n")
		r.t.fail("client", "client %s %s 2 %d 4000: %v: %s %s", host, port, loops, err,
			strings.TrimSpace(string(out)), line)
		return
	}
	n, _ := strconv.Atoi(string(m[1]))
	r.t.served.Add(int64(n))
	r.t.conns.Add(int64(n))
}

// runClient runs "client host port 2 loops 4000" and returns its standard
// output and error. It kills the client if it takes longer than a slow
// machine would (20 ms a connection).
func runClient(bin, host, port string, loops int) ([]byte, string, error) {
	limit := time.Minute + time.Duration(2*loops)*20*time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, host, port, "2", strconv.Itoa(loops), "4000")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	return out, stderr.String(), err
}
