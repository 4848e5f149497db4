package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"unp-go.dev/lab"
)

// The numbers beside a design come from what the bench committed; nothing
// here measures. They are its charts (bench/*.svg, rendered by the bench's
// -readme) and the design's rows of the Figure 30.1 run kept in
// bench/results, read from the run itself, with its commit and machine.
// numbersFor is the one place that gathers them: the pages show whatever
// it returns.

// numbers is what a page shows of one design's measurements.
type numbers struct {
	Charts []chart
	Table  template.HTML // the design's rows of the committed Figure 30.1 table
}

// A chart is one of the bench's committed SVG charts.
type chart struct {
	Src     string // on the site: "bench/figure-30-1.svg"
	Title   string // the chart's own first line
	Machine string // its second line: the machine and Go it ran on
	Commit  string // the commit that last changed the file, when git can say
}

// benchCharts are the bench's charts, in the order a page shows them.
var benchCharts = []string{"figure-30-1.svg", "sweep-workers.svg", "sweep-inflight.svg"}

// numbersFor gathers a design's numbers: every committed chart that has
// the design in it, and its rows of the table.
func numbersFor(root string, d *design, files map[string][]byte) numbers {
	var n numbers
	for _, name := range benchCharts {
		data, err := os.ReadFile(filepath.Join(root, "bench", name))
		if err != nil || !strings.Contains(string(data), d.Name) {
			continue
		}
		src := "bench/" + name
		files[src] = data
		title, machine := svgTitles(string(data))
		n.Charts = append(n.Charts, chart{Src: src, Title: title, Machine: machine,
			Commit: lastCommit(root, src)})
	}
	n.Table = tableRows(root, d) + httpRows(root, d)
	return n
}

var svgText = regexp.MustCompile(`<text[^>]*>([^<]*)</text>`)

// svgTitles reads the two lines the bench writes at the top of a chart:
// what it shows, and where it was measured.
func svgTitles(svg string) (title, machine string) {
	m := svgText.FindAllStringSubmatch(svg, 2)
	if len(m) > 0 {
		title = htmlUnescape(m[0][1])
	}
	if len(m) > 1 {
		machine = htmlUnescape(m[1][1])
	}
	return title, machine
}

func htmlUnescape(s string) string {
	r := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&amp;", "&")
	return r.Replace(s)
}

// lastCommit is the short hash and date of the commit that last changed a
// file, "" where the tree is not a git checkout.
func lastCommit(root, file string) string {
	out, err := exec.Command("git", "-C", root, "log", "-1", "--format=%h, %cs", "--",
		file).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// keptFigure is the part of the bench's kept Figure 30.1 run that a page
// shows: what ran, where and when, and the summary rows (medians) the
// bench computed and wrote beside the raw runs.
type keptFigure struct {
	Commit  string       `json:"commit"`
	Date    string       `json:"date"`
	Command string       `json:"command"`
	Machine *lab.Machine `json:"machine"`
	Rounds  int          `json:"rounds_run"`
	HTTP    bool         `json:"http"`
	Summary []keptRow    `json:"summary"`
}

// keptRow is a summary row of a kept run, as much of it as a page shows.
type keptRow struct {
	Name    string  `json:"name"`
	Client  string  `json:"client"`
	Group   string  `json:"group"`
	Desc    string  `json:"desc"`
	OK      int     `json:"ok_runs"`
	PerConn float64 `json:"cpu_us_per_connection"`
	Net     float64 `json:"Net"`
	Rate    float64 `json:"connections_per_s"`
	Idle    float64 `json:"idle_cpu_s"`
}

// figureRun is the kept run of Figure 30.1 the bench renders its table
// from.
const figureRun = "bench/results/figure-30-1.json"

// tableRows makes the design's rows of the kept Figure 30.1 run (every row
// grouped with a design of its directory: its variants, the book's C beside
// it, the runtime and floor rows), with a line that says when, where and
// at which commit it ran.
func tableRows(root string, d *design) template.HTML {
	run, rows := keptRows(root, figureRun, d, func(b *strings.Builder, s keptRow) {
		fmt.Fprintf(b, "| %s | %s | %.0f | %.0f | %.0f | %.3f |\n", s.Name, s.Desc, s.PerConn,
			s.Net, s.Rate, s.Idle)
	})
	if rows == "" {
		return ""
	}
	md := fmt.Sprintf("Figure 30.1 at commit %s, %s, on %s; medians of %d rounds (`%s`):\n\n",
		run.Commit, run.Date, run.Machine, run.Rounds, run.Command) +
		"| server | design | CPU µs/conn | net of start-up | conn/s | idle CPU s |\n" +
		"|---|---|---:|---:|---:|---:|\n" + rows +
		"\nFrom the run the bench kept in `" + figureRun + "`; `bench/README.md` says how to rerun it.\n"
	return renderMarkdown(md)
}

// httpRun is the kept run of Figure 30.1 over HTTP, with the peers.
const httpRun = "bench/results/http.json"

// httpRows makes the design's rows of the kept run over HTTP: its own, and
// those of the servers people run that descend from it (nginx, Apache
// httpd, net/http), under each client.
func httpRows(root string, d *design) template.HTML {
	run, rows := keptRows(root, httpRun, d, func(b *strings.Builder, s keptRow) {
		fmt.Fprintf(b, "| %s | %s | %.0f | %.0f |\n", s.Name, s.Desc, s.PerConn, s.Rate)
	})
	if rows == "" || !run.HTTP {
		return ""
	}
	md := fmt.Sprintf("Over HTTP, beside the servers that descend from it, at commit %s, %s; "+
		"medians of %d rounds:\n\n", run.Commit, run.Date, run.Rounds) +
		"| server · client | what it is | CPU µs/conn | conn/s |\n|---|---|---:|---:|\n" +
		rows + "\nFrom the run the bench kept in `" + httpRun + "`.\n"
	return renderMarkdown(md)
}

// keptRows reads a kept run and writes, with row, each summary row that
// ran and is grouped with a design of d's directory; "" if none.
func keptRows(root, file string, d *design, row func(*strings.Builder, keptRow)) (keptFigure, string) {
	data, err := os.ReadFile(filepath.Join(root, file))
	var run keptFigure
	if err != nil || json.Unmarshal(data, &run) != nil {
		return run, ""
	}
	var b strings.Builder
	for _, s := range run.Summary {
		if ld, ok := lab.Lookup(s.Group); ok && ld.Dir == d.Dir && s.OK > 0 {
			row(&b, s)
		}
	}
	return run, b.String()
}
