package main

import (
	"html/template"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// The numbers beside a design come from what the bench committed; nothing
// here measures. They are its charts (bench/*.svg) and the Figure 30.1
// table in bench/README.md, both rendered by the bench's -readme from the
// runs kept in bench/results, with the line that names the run's commit.
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
	n.Table = tableRows(root, d.Num)
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

// tableRows takes the rows of design number num from the Figure 30.1 table
// in bench/README.md (the one whose first column is "row"), with the lines
// above the table that say when, where and at which commit it was run.
func tableRows(root string, num int) template.HTML {
	data, err := os.ReadFile(filepath.Join(root, "bench", "README.md"))
	if err != nil {
		return ""
	}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "| row | server |") || i+1 >= len(lines) {
			continue
		}
		var about []string // the paragraph lines between the heading and the table
		for j := i - 1; j >= 0 && !strings.HasPrefix(lines[j], "#"); j-- {
			if !strings.HasPrefix(lines[j], "<!--") { // the generated block's marker
				about = append([]string{lines[j]}, about...)
			}
		}
		out := []string{l, lines[i+1]}
		for _, r := range lines[i+2:] {
			if !strings.HasPrefix(r, "|") {
				break
			}
			cells := strings.Split(r, "|")
			if len(cells) > 2 && strings.TrimSpace(cells[1]) == strconv.Itoa(num) {
				out = append(out, r)
			}
		}
		if len(out) == 2 {
			return ""
		}
		md := strings.TrimSpace(strings.Join(about, "\n")) + "\n\n" + strings.Join(out, "\n") +
			"\n\nFrom the table in `bench/README.md`, which says how to rerun it.\n"
		return renderMarkdown(md)
	}
	return ""
}
