package main

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"slices"
	"strings"
)

// The chart is written by hand: two panels of horizontal bars, one group
// per row of the book, one bar per series (Go, C, ...) in the group. The
// bar is the median; a thin line across it spans the fastest and slowest
// rounds. CPU per connection needs a log scale (serv01 costs fifty times
// serv00); connections/s does not.
const (
	labelW = 150 // design names
	panelW = 330
	panelG = 50 // between the panels
	barH   = 13
	barGap = 2
	groupG = 10
	top    = 80
	bottom = 40
)

var palette = map[string]string{"Go": "#00ADD8", "C": "#E37933", "noschedpoint": "#9467BD", "peer": "#2CA02C",
	"floor": "#7F7F7F"}
var others = []string{"#7F7F7F", "#9467BD", "#2CA02C", "#D62728"}

// group is the bars of one row of the book.
type group struct {
	label string
	bars  []summary
}

func (res *results) svg() []byte {
	groups, order := res.groups()
	color := map[string]string{}
	for i, s := range order {
		if c, ok := palette[s]; ok {
			color[s] = c
		} else {
			color[s] = others[i%len(others)]
		}
	}
	height := top + bottom
	for _, g := range groups {
		height += len(g.bars)*(barH+barGap) + groupG
	}
	width := labelW + 2*panelW + panelG + 60
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" `+
		`viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	m := res.Machine
	title := "Figure 30.1 today"
	if res.HTTP {
		title = "Figure 30.1 over HTTP"
	}
	text(&b, 10, 18, "start", 14, "bold", fmt.Sprintf("%s: %d connections of %d bytes, "+
		"%d children or threads, median of %s", title, res.Children*res.Loops, res.Bytes,
		res.Workers, plural(res.RoundsRun, "round")))
	text(&b, 10, 34, "start", 11, "", fmt.Sprintf("%s, %d cores, %s, %s; client: %s",
		m.CPU, m.Cores, m.Kernel, m.Go, strings.SplitN(res.Client, " 127.0.0.1", 2)[0]))
	x := 10
	for _, s := range order {
		fmt.Fprintf(&b, `<rect x="%d" y="43" width="10" height="10" fill="%s"/>`+"\n", x, color[s])
		text(&b, x+14, 52, "start", 11, "", s)
		x += 24 + 7*len(s)
	}
	text(&b, x+10, 52, "start", 11, "", "bar: median; line: best to worst round")

	cpu := axis{log: true, x0: labelW, w: panelW, title: "server CPU µs per connection (less is better)"}
	rate := axis{x0: labelW + panelW + panelG, w: panelW, title: "connections/s (more is better)"}
	for _, g := range groups {
		for _, s := range g.bars {
			if s.OK > 0 {
				cpu.fit(s.PerConnLo, s.PerConnHi)
				rate.fit(0, s.ConnRateHi)
			}
		}
	}
	cpu.draw(&b, top, height-bottom)
	rate.draw(&b, top, height-bottom)

	y := top + groupG/2
	for _, g := range groups {
		gh := len(g.bars) * (barH + barGap)
		text(&b, labelW-8, y+gh/2+4, "end", 11, "", g.label)
		for _, s := range g.bars {
			c := color[s.Series]
			if s.OK == 0 {
				text(&b, labelW+4, y+barH-3, "start", 10, "", s.Name+": did not run")
			} else {
				cpu.bar(&b, y, c, s.PerConn, s.PerConnLo, s.PerConnHi, fmt.Sprintf("%.0f", s.PerConn))
				rate.bar(&b, y, c, s.ConnRate, s.ConnRateLo, s.ConnRateHi, fmt.Sprintf("%.0f", s.ConnRate))
			}
			y += barH + barGap
		}
		y += groupG
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// groups puts the rows of the table into one group per row of the book
// (external rows that name no design get a group each), and lists the
// series in the order they first appear.
func (res *results) groups() ([]group, []string) {
	var groups []group
	var order []string
	for _, s := range res.Summary {
		if !slices.Contains(order, s.Series) {
			order = append(order, s.Series)
		}
		label := s.Group
		if n := len(groups); n > 0 && groups[n-1].label == label {
			groups[n-1].bars = append(groups[n-1].bars, s)
			continue
		}
		groups = append(groups, group{label: label, bars: []summary{s}})
	}
	return groups, order
}

// axis maps values to x for one panel.
type axis struct {
	log      bool
	x0, w    int
	lo, hi   float64
	title    string
	hasRange bool
}

func (a *axis) fit(lo, hi float64) {
	if !a.hasRange {
		a.lo, a.hi, a.hasRange = lo, hi, true
	}
	a.lo, a.hi = min(a.lo, lo), max(a.hi, hi)
}

// ticks rounds the range out to decades (log) or to a 1-2-5 step (linear).
func (a *axis) ticks() []float64 {
	var t []float64
	if a.log {
		lo := math.Pow(10, math.Floor(math.Log10(max(a.lo, 1e-3))))
		hi := math.Pow(10, math.Ceil(math.Log10(max(a.hi, lo*10))))
		for v := lo; v <= hi*1.001; v *= 10 {
			t = append(t, v)
		}
		a.lo, a.hi = lo, hi
		return t
	}
	hi := max(a.hi, 1)
	step := math.Pow(10, math.Floor(math.Log10(hi/4)))
	for _, m := range []float64{1, 2, 5, 10} {
		if hi/(step*m) <= 5 {
			step *= m
			break
		}
	}
	a.lo, a.hi = 0, math.Ceil(hi/step)*step
	for v := 0.0; v <= a.hi*1.001; v += step {
		t = append(t, v)
	}
	return t
}

func (a *axis) x(v float64) float64 {
	if a.log {
		v = max(v, a.lo)
		return float64(a.x0) + float64(a.w)*math.Log(v/a.lo)/math.Log(a.hi/a.lo)
	}
	return float64(a.x0) + float64(a.w)*(v-a.lo)/(a.hi-a.lo)
}

func (a *axis) draw(b *bytes.Buffer, y0, y1 int) {
	for _, v := range a.ticks() {
		x := a.x(v)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x, y0, x, y1)
		text(b, int(x), y1+14, "middle", 10, "", si(v))
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", a.x0, y0, a.x0, y1)
	text(b, a.x0+a.w/2, y0-6, "middle", 12, "bold", a.title)
}

// bar draws a median bar, its range over the rounds, and its value.
func (a *axis) bar(b *bytes.Buffer, y int, color string, v, lo, hi float64, label string) {
	x0, x := float64(a.x0), a.x(v)
	fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n",
		x0, y, max(x-x0, 1), barH, color)
	cy := float64(y) + barH/2.0
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/>`+"\n",
		a.x(lo), cy, a.x(hi), cy)
	text(b, int(max(x, a.x(hi)))+4, y+barH-3, "start", 10, "", label)
}

func text(b *bytes.Buffer, x, y int, anchor string, size int, weight, s string) {
	w := ""
	if weight != "" {
		w = fmt.Sprintf(` font-weight="%s"`, weight)
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="%s" font-size="%d"%s>%s</text>`+"\n",
		x, y, anchor, size, w, html.EscapeString(s))
}

// si writes 1000 as 1k and 20000 as 20k.
func si(v float64) string {
	if v >= 1000 {
		return strings.TrimSuffix(fmt.Sprintf("%.1f", v/1000), ".0") + "k"
	}
	return fmt.Sprintf("%g", v)
}
