package main

import (
	"fmt"
	"strings"
)

// A design is one server of chapter 30, as far as torture needs to know it.
type design struct {
	name      string
	pooled    bool   // takes #children or #threads after the port
	forks     bool   // serves from child processes, which torture kills
	perClient bool   // one process or thread per client: no fixed pool
	unit      string // the per-slot line of its SIGINT report: "child" or "thread"
	crowd     bool   // overload it with -crowd connections, not 10 × its pool
}

// designs are the nine servers, in the book's order.
var designs = []design{
	{name: "serv00-iterative"},
	{name: "serv01-fork", forks: true, perClient: true},
	{name: "serv02-prefork", pooled: true, forks: true, unit: "child"},
	{name: "serv03-flock", pooled: true, forks: true, unit: "child"},
	{name: "serv04-mutex", pooled: true, forks: true, unit: "child"},
	{name: "serv05-fdpass", pooled: true, forks: true, unit: "child"},
	{name: "serv06-thread", perClient: true, crowd: true},
	{name: "serv07-threadpool", pooled: true, unit: "thread"},
	{name: "serv08-mainaccept", pooled: true, unit: "thread"},
}

// args is the server's command line after its name.
func (d design) args(pool int) []string {
	if d.pooled {
		return []string{"127.0.0.1", "0", fmt.Sprint(pool)}
	}
	return []string{"127.0.0.1", "0"}
}

// slots is how many clients the design serves at once with a pool of n:
// one for the iterative server, n for a pool, 0 for "as many as come".
func (d design) slots(n int) int {
	switch {
	case d.pooled:
		return n
	case d.perClient:
		return 0
	}
	return 1
}

// children is how many child processes the server has when it is quiet.
func (d design) children(pool int) int {
	if d.forks && d.pooled {
		return pool
	}
	return 0
}

// selectDesigns turns command-line names into designs: a full name, or any
// prefix of one ("serv03", "serv0").
func selectDesigns(names []string) ([]design, error) {
	if len(names) == 0 {
		return designs, nil
	}
	var out []design
	for _, name := range names {
		found := false
		for _, d := range designs {
			if strings.HasPrefix(d.name, name) {
				out = append(out, d)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("no design named %q", name)
		}
	}
	return out, nil
}
