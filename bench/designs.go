package main

// The designs the bench knows: the book's nine, its select-collision variant
// and the designs beyond it, and how -designs and the flags make them rows.

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// design is one of the book's servers, or one beyond it, as built from
// this repository.
type design struct {
	name   string   // the row's name; the binary is the last element of prog
	prog   string   // package directory, from the repository root
	flags  []string // before the book's arguments
	row    int      // the book's row; the beyond designs go on from 9
	desc   string   // the row's wording in Figure 30.1
	pooled bool     // takes #children or #threads
	procs  bool     // a process design: -runtime adds a UNP_SCHEDPOINT=0 row
}

// designs are Figure 30.1's rows, in the book's order, with the book's
// select-collision experiment (child02l.c, section 30.6) beside serv02, then
// the designs beyond the book.
var designs = []design{
	{"serv00-iterative", "serv00-iterative", nil, 0,
		"iterative server (baseline; no process control)", false, false},
	{"serv01-fork", "serv01-fork", nil, 1, "concurrent server, one fork per client request", false, true},
	{"serv02-prefork", "serv02-prefork", nil, 2, "prefork, each child calling accept", true, true},
	{"serv02-select", "serv02-prefork", []string{"-select"}, 2,
		"prefork, each child calling select, then accept (the book's child02l.c)", true, true},
	{"serv03-flock", "serv03-flock", nil, 3, "prefork, file locking to protect accept", true, true},
	{"serv04-mutex", "serv04-mutex", nil, 4,
		"prefork, process-shared mutex locking to protect accept", true, true},
	{"serv05-fdpass", "serv05-fdpass", nil, 5,
		"prefork, parent passing socket descriptor to child", true, true},
	{"serv06-thread", "serv06-thread", nil, 6, "concurrent server, one thread per client request", false, false},
	{"serv07-threadpool", "serv07-threadpool", nil, 7, "prethreaded, mutex locking to protect accept", true, false},
	{"serv08-mainaccept", "serv08-mainaccept", nil, 8, "prethreaded, main thread calls accept", true, false},
	{"serv09-reuseport", "beyond/serv09-reuseport", nil, 9,
		"beyond: prefork, a SO_REUSEPORT listener per child", true, true},
	{"serv10-epoll", "beyond/serv10-epoll", nil, 10,
		"beyond: prefork, an epoll loop per child on the shared listener", true, true},
	{"serv10-exclusive", "beyond/serv10-epoll", []string{"-exclusive"}, 10,
		"beyond: serv10-epoll, the listener added with EPOLLEXCLUSIVE", true, true},
	{"serv11-netpoll", "beyond/serv11-netpoll", nil, 11,
		"beyond: package net, a goroutine per client (the netpoller)", false, false},
	{"serv11-netpool", "beyond/serv11-netpoll", nil, 11,
		"beyond: package net, a pool of goroutines calling Accept", true, false},
	{"serv12-uring", "beyond/serv12-uring", nil, 12,
		"beyond: prefork, an io_uring loop per child on the shared listener", true, true},
	{"serv12-reuseport", "beyond/serv12-uring", []string{"-reuseport"}, 12,
		"beyond: serv12-uring, a SO_REUSEPORT listener per child", true, true},
	{"serv13-upgrade", "beyond/serv13-upgrade", nil, 13,
		"beyond: serv02-prefork that hands its listener to its successor on SIGUSR2", true, true},
}

// bin is the design's binary name.
func (d design) bin() string { return filepath.Base(d.prog) }

// chooseDesigns parses -designs into indexes of designs: "all" is every
// design, a name or its servNN prefix the designs it names, a number the
// designs of that row of the book. serv00-iterative is always in: the
// book's column is every other design's CPU minus its.
func chooseDesigns(list string) ([]int, error) {
	if list == "all" {
		rows := make([]int, len(designs))
		for i := range rows {
			rows[i] = i
		}
		return rows, nil
	}
	rows := []int{0}
	for _, w := range strings.Split(list, ",") {
		w = strings.TrimSpace(w)
		n, err := strconv.Atoi(w)
		found := false
		for i, d := range designs {
			if d.name == w || strings.HasPrefix(d.name, w+"-") || (err == nil && d.row == n) {
				found = true
				if !slices.Contains(rows, i) {
					rows = append(rows, i)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("no design %q", w)
		}
	}
	slices.Sort(rows)
	return rows, nil
}

// tableTargets are the rows of the main table: each chosen design; with
// -runtime, each process design again with UNP_SCHEDPOINT=0; with -floor,
// serv01's floor after serv01-fork.
func tableTargets(chosen []int, paths map[string]string) []target {
	var out []target
	for _, i := range chosen {
		d := designs[i]
		t := designTarget(d, paths, *nworkers)
		out = append(out, t)
		if *runtimeRows && d.procs {
			off := t
			off.Name, off.Series = d.name+" UNP_SCHEDPOINT=0", "UNP_SCHEDPOINT=0"
			off.Desc = "the same, the runtime mechanism off (unp/sched.go)"
			off.Env = []string{"UNP_SCHEDPOINT=0"}
			out = append(out, off)
		}
		if *floorRow && d.name == "serv01-fork" {
			out = append(out, floorTarget(t))
		}
	}
	return out
}

// designTarget is a Go design's row, with n children or threads if it is
// pooled.
func designTarget(d design, paths map[string]string, n int) target {
	argv := []string{paths[d.prog]}
	argv = append(argv, d.flags...)
	argv = append(argv, "127.0.0.1", "0")
	if d.pooled {
		argv = append(argv, strconv.Itoa(n))
	}
	return target{Name: d.name, Row: d.row, Desc: d.desc, Argv: argv, Group: d.name,
		Series: "Go", Design: d.name}
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
		if i := slices.IndexFunc(designs, func(d design) bool { return d.name == g }); i >= 0 {
			return i
		}
		return len(designs)
	}
	slices.SortStableFunc(out, func(a, b target) int { return key(a) - key(b) })
	return out
}

// besideOf is the Go design an external row stands beside: the one cBeside
// names, the one whose name it holds ("C serv10-exclusive"), or the first
// of its row of the book ("C serv05"); itself if none.
func besideOf(t target) string {
	if d, ok := cBeside[t.Name]; ok {
		return d
	}
	for _, d := range designs {
		if strings.Contains(t.Name, d.name) {
			return d.name
		}
	}
	if j := slices.IndexFunc(designs, func(d design) bool { return d.row == t.Row }); j >= 0 {
		return designs[j].name
	}
	return t.Name
}
