package main

import (
	"os"
	"slices"
	"testing"
	"time"
)

// The command line becomes one value: the defaults are the book's load,
// the designs come from the one list, and each bad flag is refused.
func TestParseConfig(t *testing.T) {
	stderr := os.Stderr // the refusals print the usage
	os.Stderr, _ = os.Open(os.DevNull)
	defer func() { os.Stderr = stderr }()

	c, err := parseConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.load != (load{5, 1, 500}) || c.bytes != 4000 || c.workers != 15 || c.rounds != 5 {
		t.Errorf("defaults: load %+v, bytes %d, workers %d, rounds %d", c.load, c.bytes,
			c.workers, c.rounds)
	}
	if c.designs[0].Name != "serv00-iterative" || c.designs[len(c.designs)-1].Name != "serv13-upgrade" {
		t.Errorf("default designs run from %s to %s", c.designs[0].Name,
			c.designs[len(c.designs)-1].Name)
	}
	c, err = parseConfig([]string{"-sweep", "conns", "-designs", "serv10", "-every", "2s"})
	if err != nil || c.every != 2*time.Second || !slices.Equal(c.points, connsPoints) ||
		len(c.designs) != 2 || c.designs[0].Name != "serv10-epoll" {
		t.Errorf("a conns sweep of serv10: %+v, %v", c, err)
	}
	for _, bad := range [][]string{{"-rounds", "0"}, {"-bytes", "20000"}, {"-sweep", "up"},
		{"-designs", "serv99"}, {"-points", "1,x"}, {"-timeout", "0s"}, {"extra"}, {"-nosuch"}} {
		if _, err := parseConfig(bad); err == nil {
			t.Errorf("parseConfig(%q) accepted", bad)
		}
	}
}
