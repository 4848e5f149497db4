package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"unp-go.dev/unp"
)

// The first line is the book's usage with our -inflight, as it always was;
// the flags beyond the book follow on lines of their own.
const usage = "client [ -inflight K ] <hostname or IPaddr> <port> " +
	"<#children> <#loops/child> <#bytes/request>\n" +
	"       [ -http ] [ -requests K ] [ -rate R ] [ -timeout D ] [ -realtime ]\n" +
	"       [ -conns C [ -every D | -rate R ] [ -duration D ] ]  (with -conns, #loops must be 1)"

// config is a parsed command line. The parent and every child parse the
// same arguments, so a child is started with its index and the parent's
// command line.
type config struct {
	host, port              string
	children, loops, nbytes int
	inflight                int           // connections in flight per child, closed loop
	requests                int           // requests per connection
	rate                    float64       // per second in all: connections, or requests with -conns
	conns                   int           // connections held open at once, in all
	every                   time.Duration // with -conns: interval between a connection's requests
	duration                time.Duration // with -conns: send for this long instead of a count
	timeout                 time.Duration // bound on each connect and each reply
	realtime                bool          // the event loop's thread at SCHED_FIFO 1
	http                    bool          // ask over HTTP/1.1 (http.go), not the book's line
}

// book reports whether the command line asks for the book's load only, to
// which the client answers with the book's two summary lines.
func (c *config) book() bool { return c.rate == 0 && c.conns == 0 && c.requests == 1 }

// parseArgs reads a command line. Its error names the argument that is
// wrong and why; the caller prints it and the usage.
func parseArgs(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // our own message, then the usage, instead of flag's
	fs.IntVar(&c.inflight, "inflight", 1, "")
	fs.IntVar(&c.requests, "requests", 1, "")
	fs.Float64Var(&c.rate, "rate", 0, "")
	fs.IntVar(&c.conns, "conns", 0, "")
	fs.DurationVar(&c.every, "every", 0, "")
	fs.DurationVar(&c.duration, "duration", 0, "")
	fs.DurationVar(&c.timeout, "timeout", replyTimeout, "")
	fs.BoolVar(&c.realtime, "realtime", false, "")
	fs.BoolVar(&c.http, "http", false, "")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if err := c.checkFlags(set); err != nil {
		return c, err
	}

	pos := fs.Args()
	if len(pos) != 5 {
		return c, fmt.Errorf("want 5 arguments after the flags (host, port, #children, "+
			"#loops/child, #bytes/request), got %d", len(pos))
	}
	c.host, c.port = pos[0], pos[1]
	for _, a := range []struct {
		name   string
		v      *int
		lo, hi int
		s      string
	}{
		{"#children", &c.children, 1, 1 << 14, pos[2]},
		{"#loops/child", &c.loops, 1, 1 << 30, pos[3]},
		{"#bytes/request", &c.nbytes, 1, unp.MAXN, pos[4]},
	} {
		n, err := strconv.Atoi(a.s)
		if err != nil || n < a.lo || n > a.hi {
			return c, fmt.Errorf("bad argument %q for %s: want a number from %d to %d",
				a.s, a.name, a.lo, a.hi)
		}
		*a.v = n
	}
	if c.conns > 0 && c.loops != 1 {
		return c, fmt.Errorf("bad argument %q for #loops/child: with -conns each held "+
			"connection is opened once (its requests are -requests or -duration); give 1",
			pos[3])
	}
	if c.conns > 0 && c.conns < c.children {
		return c, fmt.Errorf("bad -conns %d: fewer connections than the %d client processes "+
			"that share them", c.conns, c.children)
	}
	return c, nil
}

// checkFlags checks the flags' values and which go together; set holds the
// flags the command line gave.
func (c *config) checkFlags(set map[string]bool) error {
	switch {
	case c.inflight < 1 || c.inflight > 1<<12:
		return fmt.Errorf("bad -inflight %d: want a number from 1 to %d", c.inflight, 1<<12)
	case c.requests < 1 || c.requests > 1<<30:
		return fmt.Errorf("bad -requests %d: want a number from 1 to %d", c.requests, 1<<30)
	case c.rate < 0 || math.IsNaN(c.rate) || math.IsInf(c.rate, 0) || set["rate"] && c.rate == 0:
		return fmt.Errorf("bad -rate %v: want a number of connections (or, with -conns, "+
			"requests) a second above 0", c.rate)
	case c.conns < 0 || c.conns > 1<<20 || set["conns"] && c.conns == 0:
		return fmt.Errorf("bad -conns %d: want a number from 1 to %d", c.conns, 1<<20)
	case c.every < 0:
		return fmt.Errorf("bad -every %v: want an interval of 0 (back to back) or more", c.every)
	case c.duration < 0 || set["duration"] && c.duration == 0:
		return fmt.Errorf("bad -duration %v: want a time above 0", c.duration)
	case c.timeout <= 0:
		return fmt.Errorf("bad -timeout %v: want a time above 0", c.timeout)
	case set["inflight"] && (c.rate > 0 || c.conns > 0):
		return fmt.Errorf("-inflight is for the closed loop: with -rate or -conns, " +
			"the schedule or -conns decides how many connections are open")
	case (set["every"] || set["duration"]) && c.conns == 0:
		return fmt.Errorf("-every and -duration go with -conns (held connections)")
	case c.realtime && c.rate == 0 && c.conns == 0:
		return fmt.Errorf("-realtime is for the event loop of -rate and -conns")
	case set["every"] && c.rate > 0:
		return fmt.Errorf("-every and -rate both set the pace of -conns: give one")
	case set["duration"] && set["requests"]:
		return fmt.Errorf("-duration and -requests both say when -conns stops: give one")
	}
	if c.conns > 0 && c.rate > 0 {
		// one schedule of rate requests a second, each connection taking
		// every conns-th slot: the same as each sending one every conns/rate
		c.every = time.Duration(float64(c.conns) / c.rate * 1e9)
	}
	return nil
}

// offered is the rate the command line asks for, per second (requests with
// -conns, connections otherwise), or 0 for a closed loop.
func (c *config) offered() float64 {
	switch {
	case c.conns > 0 && c.every > 0:
		return float64(c.conns) / c.every.Seconds()
	case c.conns == 0:
		return c.rate
	}
	return 0
}
