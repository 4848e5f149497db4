package main

// The designs as the bench runs them: which of the one list (lab.Designs)
// -designs chooses, and how each becomes a row of the table.

import (
	"slices"
	"strconv"
	"strings"

	"unp-go.dev/lab"
)

// chooseDesigns parses -designs (lab.Choose): "all" is every design, a
// name or its servNN prefix the designs it names, a number the designs of
// that row of the book. serv00-iterative is always in: the book's column is
// every other design's CPU minus its.
func chooseDesigns(list string) ([]lab.Design, error) {
	chosen, err := lab.Choose(append([]string{"serv00-iterative"}, strings.Split(list, ",")...))
	if err != nil {
		return nil, err
	}
	return chosen, nil
}

// tableTargets are the rows of the main table: each chosen design; with
// -runtime, each process design again built with the experiment's tag
// (unp/sched_off.go: the runtime mechanism left out); with -floor, serv01's
// floor after serv01-fork.
func (c *config) tableTargets(paths map[string]string) []target {
	var out []target
	for _, d := range c.designs {
		t := designTarget(d, paths, c.workers)
		out = append(out, t)
		if c.runtime && d.Forks && !d.Raw { // a raw child runs no runtime
			off := designTarget(d, paths, c.workers)
			off.Argv[0] = paths[experiment+"/"+d.Dir]
			off.Name, off.Series = d.Name+" "+experiment, experiment
			off.Desc = runtimeDesc
			out = append(out, off)
		}
		if c.floor && d.Name == "serv01-fork" {
			out = append(out, floorTarget(t))
		}
	}
	return out
}

// runtimeDesc is what a -runtime row is.
const runtimeDesc = "the same, the runtime mechanism off (unp/sched.go)"

// designTarget is a Go design's row, with n children or threads if it is
// pooled.
func designTarget(d lab.Design, paths map[string]string, n int) target {
	argv := []string{paths[d.Dir]}
	argv = append(argv, d.Flags...)
	argv = append(argv, "127.0.0.1", "0")
	if d.Pooled() {
		argv = append(argv, strconv.Itoa(n))
	}
	return target{Name: d.Name, Row: d.Row, Desc: d.Desc, Argv: argv, Group: d.Name,
		Series: "Go", Design: d.Name}
}

// place orders the rows as the book does, each external row right after
// the Go design it stands beside (besideOf), and external rows that stand
// beside no design at the end.
func place(goRows []target, ext []target) []target {
	for i, t := range ext {
		ext[i].Group = besideOf(t)
	}
	out := slices.Concat(goRows, ext)
	key := func(t target) int {
		g := t.Group
		if g == "" {
			g = t.Name
		}
		if i := slices.IndexFunc(lab.Designs, func(d lab.Design) bool { return d.Name == g }); i >= 0 {
			return i
		}
		return len(lab.Designs)
	}
	slices.SortStableFunc(out, func(a, b target) int { return key(a) - key(b) })
	return out
}

// besideOf is the Go design an external row stands beside: a peer's own
// (peers.go), the one whose
// C row it is (lab.Design.C: "C serv02l" is serv02-select's), the one
// whose name it holds ("C serv10-exclusive"), or the first of its row of
// the book ("C serv05"); itself if none.
func besideOf(t target) string {
	if p, ok := peerNamed(t.Peer); ok {
		return p.Beside
	}
	for _, d := range lab.Designs {
		if d.C == t.Name {
			return d.Name
		}
	}
	for _, d := range lab.Designs {
		if strings.Contains(t.Name, d.Name) {
			return d.Name
		}
	}
	if j := slices.IndexFunc(lab.Designs, func(d lab.Design) bool { return d.Row == t.Row }); j >= 0 {
		return lab.Designs[j].Name
	}
	return t.Name
}
