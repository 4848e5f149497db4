package main

// Figure 30.1 over HTTP: a run with -http (and -peers, and several
// -client) as one table, a row per server, its cost and rate under each
// client side by side, and each client's own cost; its chart is the run
// under one client, the designs and the peers beside them.

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// httpGrid lists the run's servers (its rows without the client) in the
// table's order, and its clients in -client's order.
func (res *results) httpGrid() (servers, clients []string) {
	for _, s := range res.Summary {
		name := s.Name
		if s.Client != "" {
			name = strings.TrimSuffix(s.Name, " · "+s.Client)
		}
		if !slices.Contains(servers, name) {
			servers = append(servers, name)
		}
		if !slices.Contains(clients, s.Client) {
			clients = append(clients, s.Client)
		}
	}
	return servers, clients
}

// httpCell is the row of server under client, if it ran.
func (res *results) httpCell(server, client string) (summary, bool) {
	name := server
	if client != "" {
		name += " · " + client
	}
	i := slices.IndexFunc(res.Summary, func(s summary) bool { return s.Name == name && s.OK > 0 })
	if i < 0 {
		return summary{}, false
	}
	return res.Summary[i], true
}

// httpMarkdown writes the machine, the loads and the table.
func (res *results) httpMarkdown(w io.Writer) {
	m := res.Machine
	fmt.Fprintf(w, "Figure 30.1 over HTTP on %s, %d cores, %s, %s; load average %s before, %s "+
		"after.\n", m.CPU, m.Cores, m.Kernel, m.Go, m.LoadBefore, m.LoadAfter)
	fmt.Fprintf(w, "Loads: `%s`, against %d children or threads (a peer's workers as many); "+
		"GET /%d; medians of %s, interleaved%s.\n\n", res.Client, res.Workers, res.Bytes,
		plural(res.RoundsRun, "round"), parens(res.Stopped))
	servers, clients := res.httpGrid()
	label := func(c string) string { return cmpOr(c, "client") }
	fmt.Fprint(w, "| server | beside | what it is |")
	for _, part := range []string{"server CPU µs/conn", "conn/s", "client CPU µs/conn"} {
		for _, c := range clients {
			fmt.Fprintf(w, " %s, %s |", part, label(c))
		}
	}
	fmt.Fprintf(w, "\n|---|---|---|%s\n", strings.Repeat("---:|", 3*len(clients)))
	for _, srv := range servers {
		first, _ := res.httpAny(srv)
		beside := first.Group
		if beside == srv || beside == "" {
			beside = "—"
		}
		fmt.Fprintf(w, "| %s | %s | %s |", srv, beside, first.Desc)
		for _, cell := range []func(summary) string{
			func(s summary) string { return fmt.Sprintf("%.0f", s.PerConn) },
			func(s summary) string { return fmt.Sprintf("%.0f", s.ConnRate) },
			func(s summary) string { return fmt.Sprintf("%.0f", s.ClientPerConn) },
		} {
			for _, c := range clients {
				if s, ok := res.httpCell(srv, c); ok {
					fmt.Fprintf(w, " %s |", cell(s))
				} else {
					fmt.Fprint(w, " — |")
				}
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "\nServer CPU is user + sys of the server and the children it reaped, "+
		"start-up included (a design's from its report, a peer's from wait4), over the "+
		"connections (wrk's keep-alive row: over the requests); client CPU the same for the client.")
	res.writeNotes(w)
}

// httpAny is any row of server that ran, for what does not depend on the
// client.
func (res *results) httpAny(server string) (summary, bool) {
	for _, s := range res.Summary {
		if s.Name == server || s.Client != "" && s.Name == server+" · "+s.Client {
			return s, true
		}
	}
	return summary{}, false
}

// httpChartRun is the run as its chart shows it: the rows under one
// client (ab, the book's load exactly, where it ran), named by server.
func (res *results) httpChartRun() *results {
	_, clients := res.httpGrid()
	pick := clients[0]
	if slices.Contains(clients, "ab") {
		pick = "ab"
	}
	out := *res
	out.Summary = nil
	for _, s := range res.Summary {
		if s.Client == pick {
			s.Name = strings.TrimSuffix(s.Name, " · "+pick)
			out.Summary = append(out.Summary, s)
		}
	}
	if pick != "" {
		out.Client = pick
	}
	return &out
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// httpFindings writes the ratios the HTTP section reads, from the run:
// each design against the peer that descends from it, each server's cost
// under each client against its cost under the first, and each client's
// own cost.
func (res *results) httpFindings(w io.Writer) {
	servers, clients := res.httpGrid()
	pick := clients[0]
	if slices.Contains(clients, "ab") {
		pick = "ab"
	}
	var pairs []string
	for _, p := range peers {
		g, ok1 := res.httpCell(p.Beside, pick)
		q, ok2 := res.httpCell(p.Name, pick)
		if ok1 && ok2 && q.PerConn > 0 && q.ConnRate > 0 {
			pairs = append(pairs, fmt.Sprintf("%s against %s %.2f× the CPU, %.2f× the rate",
				p.Beside, p.Name, g.PerConn/q.PerConn, g.ConnRate/q.ConnRate))
		}
	}
	if len(pairs) > 0 {
		fmt.Fprintf(w, "- Each design against the peer beside it, loaded by %s (CPU per "+
			"connection, start-up included; connections/s): %s.\n", cmpOr(pick, "the client"),
			strings.Join(pairs, "; "))
	}
	for _, c := range clients[1:] {
		var rs []float64
		for _, srv := range servers {
			a, ok1 := res.httpCell(srv, clients[0])
			b, ok2 := res.httpCell(srv, c)
			if ok1 && ok2 && a.PerConn > 0 {
				rs = append(rs, b.PerConn/a.PerConn)
			}
		}
		if len(rs) > 0 {
			med, _ := median(rs)
			fmt.Fprintf(w, "- A server's CPU per connection under %s against under %s: median "+
				"%.2f×, %s over the rows.\n", c, clients[0], med, span(rs))
		}
	}
	var own []string
	for _, c := range clients {
		var xs []float64
		for _, srv := range servers {
			if s, ok := res.httpCell(srv, c); ok && s.ClientPerConn > 0 {
				xs = append(xs, s.ClientPerConn)
			}
		}
		if med, ok := median(xs); ok {
			own = append(own, fmt.Sprintf("%s %.0f µs", cmpOr(c, "the client"), med))
		}
	}
	if len(own) > 0 {
		fmt.Fprintf(w, "- The clients' own CPU per connection, median over the rows: %s.\n",
			strings.Join(own, ", "))
	}
}
