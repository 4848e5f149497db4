package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const abOut = `This is ApacheBench, Version 2.3 <$Revision$>

Concurrency Level:      5
Time taken for tests:   0.379 seconds
Complete requests:      2500
Failed requests:        3
Non-2xx responses:      2
Requests per second:    6596.31 [#/sec] (mean)

Percentage of the requests served within a certain time (ms)
  50%      1
  66%      1
  99%      4
 100%     12 (longest request)
`

const wrkOut = `Running 1s test @ http://127.0.0.1:18080/4000
  1 threads and 5 connections
  Latency Distribution
     50%  157.00us
     75%  252.00us
     90%  367.00us
     99%    1.07ms
  13481 requests in 1.10s, 54.63MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  12255.87
`

func TestParseWebClients(t *testing.T) {
	c, err := parseAB(abOut)
	if err != nil || c.Conns != 2500 || c.Errors != 5 || c.Elapsed != 0.379 || c.P50 != 1 ||
		c.P99 != 4 || c.Max != 12 || !c.Summary {
		t.Errorf("ab: %+v, %v", c, err)
	}
	c, err = parseWrk(wrkOut)
	if err != nil || c.Conns != 13481 || c.Errors != 7 || c.Elapsed != 1.10 || c.P50 != 0.157 ||
		c.P99 != 1.07 {
		t.Errorf("wrk: %+v, %v", c, err)
	}
	for _, f := range []func(string) (clientResult, error){parseAB, parseWrk} {
		if _, err := f("connect: connection refused\n"); err == nil {
			t.Error("a client that printed no report was read as one")
		}
	}
}

func TestWebArgs(t *testing.T) {
	c := &config{bytes: 4000, duration: 2 * time.Second}
	l := load{5, 1, 500}
	for kind, want := range map[string]string{
		"ab":            "-q -n 2500 -c 5 http://127.0.0.1:9999/4000",
		"wrk":           "-t 1 -c 5 -d 2s --latency -H Connection: close http://127.0.0.1:9999/4000",
		"wrk-keepalive": "-t 1 -c 5 -d 2s --latency http://127.0.0.1:9999/4000",
	} {
		if got := strings.Join(c.webArgs(kind, 9999, l), " "); got != want {
			t.Errorf("%s: %s, want %s", kind, got, want)
		}
	}
}

// Each peer's configuration is written where the bench says, names the
// port, the pool and the document root, and the way it takes connections
// that the row stands for.
func TestPeerConfigs(t *testing.T) {
	c := &config{workers: 15, bytes: 4000}
	want := map[string][]string{
		"nginx":                  {"worker_processes 15;", "accept_mutex off;", "listen 127.0.0.1:9999;", "access_log off;"},
		"nginx accept_mutex":     {"accept_mutex on;"},
		"nginx reuseport":        {"listen 127.0.0.1:9999 reuseport;"},
		"apache prefork":         {"mod_mpm_prefork.so", "Listen 127.0.0.1:9999\n", "MaxRequestWorkers 15"},
		"apache prefork fcntl":   {"Mutex fcntl:", "mpm-accept"},
		"apache prefork pthread": {"Mutex pthread mpm-accept"},
		"apache event":           {"mod_mpm_event.so", "ThreadsPerChild 15", "ServerLimit 1"},
		"net/http":               nil,
	}
	for _, p := range peers {
		dir := filepath.Join(t.TempDir(), "peer")
		argv, err := c.peerArgv(target{Peer: p.Name, Argv: []string{p.Prog}}, dir, 9999)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if data, err := os.ReadFile(filepath.Join(dir, "www", "4000")); err != nil || len(data) != 4000 {
			t.Errorf("%s: the document root has no 4000-byte file: %v", p.Name, err)
		}
		conf := ""
		for _, a := range argv {
			if strings.HasSuffix(a, ".conf") {
				data, _ := os.ReadFile(a)
				conf = string(data)
			}
		}
		if strings.Contains(p.Name, "mutex") || strings.Contains(p.Name, "fcntl") ||
			strings.Contains(p.Name, "pthread") {
			if strings.Count(conf, "\nListen ") != 2 && strings.HasPrefix(p.Name, "apache") {
				t.Errorf("%s listens once: httpd then takes no accept mutex", p.Name)
			}
		}
		for _, w := range want[p.Name] {
			if !strings.Contains(conf, w) {
				t.Errorf("%s: no %q in\n%s", p.Name, w, conf)
			}
		}
		if p.Name == "net/http" && strings.Join(argv[1:], " ") != "127.0.0.1 9999" {
			t.Errorf("net/http's arguments: %q", argv)
		}
	}
}
