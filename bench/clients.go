package main

// The clients that can load a row: ours (client/, over the book's protocol
// or, with -http, over HTTP), the book's C client (-book), any program that
// takes the book's arguments, and two that people run against web servers:
// Apache's ab and wrk. -client takes a list of them, and every row runs
// under each, so that a server's cost can be read whichever client loads
// it, and each client's own cost beside it.

import (
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// A loader is one client as the bench runs it.
type loader struct {
	Name string // as the rows and the tables name it: "ours", "ab", "wrk", ...
	Kind string // "book" (the book's arguments), "ab", "wrk" or "wrk-keepalive"
	Path string // its program
}

// webClients are the clients people run against web servers, by -client
// name, with the Debian package that has each.
var webClients = map[string]struct{ prog, pkg, doc string }{
	"ab": {"ab", "apache2-utils", "ApacheBench: -n CONNECTIONS -c CHILDREN, a new " +
		"connection per request (HTTP/1.0), the book's load exactly"},
	"wrk": {"wrk", "wrk", "wrk for -duration (whole seconds, at least one), -children " +
		"connections, each closed after its request (Connection: close)"},
	"wrk-keepalive": {"wrk", "wrk", "wrk for -duration, -children connections kept alive"},
}

// webLoader finds an ab or wrk on PATH, or says which package has it.
func webLoader(name string) (loader, error) {
	w, ok := webClients[name]
	if !ok {
		return loader{}, fmt.Errorf("no client %q", name)
	}
	p, err := exec.LookPath(w.prog)
	if err != nil {
		return loader{}, fmt.Errorf("%s is not installed (Debian: apt-get install %s)", w.prog,
			w.pkg)
	}
	return loader{Name: name, Kind: name, Path: p}, nil
}

// webArgs is the command line of ab or wrk against the target's load on
// port: the reply's size is the path (GET /N), as every design and peer
// answers it.
func (c *config) webArgs(kind string, port int, l load) []string {
	url := fmt.Sprintf("http://127.0.0.1:%d/%d", port, c.bytes)
	if port == 0 { // as the kept run says it
		url = fmt.Sprintf("http://127.0.0.1:PORT/%d", c.bytes)
	}
	conc := strconv.Itoa(l.children * l.inflight)
	secs := fmt.Sprintf("%ds", max(1, int(c.duration.Seconds()))) // wrk takes whole seconds
	switch kind {
	case "ab":
		return []string{"-q", "-n", strconv.Itoa(l.conns()), "-c", conc, url}
	case "wrk":
		return []string{"-t", "1", "-c", conc, "-d", secs, "--latency",
			"-H", "Connection: close", url}
	}
	return []string{"-t", "1", "-c", conc, "-d", secs, "--latency", url}
}

var (
	abComplete = regexp.MustCompile(`(?m)^Complete requests:\s+(\d+)$`)
	abFailed   = regexp.MustCompile(`(?m)^Failed requests:\s+(\d+)$`)
	abNon2xx   = regexp.MustCompile(`(?m)^Non-2xx responses:\s+(\d+)$`)
	abTime     = regexp.MustCompile(`(?m)^Time taken for tests:\s+(\S+) seconds$`)
	abPct      = regexp.MustCompile(`(?m)^\s+(50|99|100)%\s+(\d+)`)

	wrkDone    = regexp.MustCompile(`(?m)^\s+(\d+) requests in (\S+)s, `)
	wrkErrors  = regexp.MustCompile(`(?m)^\s+Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)$`)
	wrkNon2xx  = regexp.MustCompile(`(?m)^\s+Non-2xx or 3xx responses: (\d+)$`)
	wrkPct     = regexp.MustCompile(`(?m)^\s+(50|99)%\s+(\S+?)(us|ms|s)$`)
	errNoStats = errors.New("no report")
)

// parseAB reads ab's report: its requests, its failures (a short or
// different length, or a status other than 2xx) and its percentiles, which
// ab gives in whole milliseconds.
func parseAB(out string) (clientResult, error) {
	var c clientResult
	m := abComplete.FindStringSubmatch(out)
	t := abTime.FindStringSubmatch(out)
	if m == nil || t == nil {
		return c, fmt.Errorf("ab: %w: %s", errNoStats, firstLine(out))
	}
	c.Conns, _ = strconv.Atoi(m[1])
	c.Elapsed, _ = strconv.ParseFloat(t[1], 64)
	for _, re := range []*regexp.Regexp{abFailed, abNon2xx} {
		if m := re.FindStringSubmatch(out); m != nil {
			n, _ := strconv.Atoi(m[1])
			c.Errors += n
		}
	}
	for _, m := range abPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		switch m[1] {
		case "50":
			c.P50 = v
		case "99":
			c.P99 = v
		case "100":
			c.Max = v
		}
	}
	c.Summary = true
	return c, nil
}

// parseWrk reads wrk's report: requests and time, socket errors and
// statuses other than 2xx or 3xx, and the latency distribution.
func parseWrk(out string) (clientResult, error) {
	var c clientResult
	m := wrkDone.FindStringSubmatch(out)
	if m == nil {
		return c, fmt.Errorf("wrk: %w: %s", errNoStats, firstLine(out))
	}
	c.Conns, _ = strconv.Atoi(m[1])
	c.Elapsed, _ = strconv.ParseFloat(m[2], 64)
	if m := wrkErrors.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.Atoi(s)
			c.Errors += n
		}
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.Atoi(m[1])
		c.Errors += n
	}
	for _, m := range wrkPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		v *= map[string]float64{"us": 1e-3, "ms": 1, "s": 1e3}[m[3]]
		if m[1] == "50" {
			c.P50 = v
		} else {
			c.P99 = v
		}
	}
	c.Summary = true
	return c, nil
}

// parseLoader reads what the loader printed.
func parseLoader(kind, out string) (clientResult, error) {
	switch {
	case kind == "ab":
		return parseAB(out)
	case strings.HasPrefix(kind, "wrk"):
		return parseWrk(out)
	}
	return parseClient(out)
}
