package main

import (
	"bytes"
	"fmt"
	"math"
)

// The sweeps' line charts, drawn by hand as the bar chart is (svg.go), on
// the same axis type: two panels side by side, the x axis the sweep's
// points on a log scale, one line per design through the medians, and at
// each point a vertical whisker from the lowest to the highest round.

// curve is one design's line in one panel.
type curve struct {
	name   string
	pts    []float64 // x
	y      []float64 // median
	lo, hi []float64 // whisker
}

var lineColors = []string{"#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B",
	"#E377C2", "#7F7F7F", "#BCBD22", "#17BECF", "#000000", "#AEC7E8", "#FFBB78", "#98DF8A",
	"#FF9896"}

const (
	lineW, lineH = 360, 300 // one panel's plot area
	lineL        = 60       // left margin of each panel
	lineTop      = 70
	legendW      = 230
)

// panel is one plot: what it shows, and how to read it from a summary.
type panel struct {
	title      string
	log        bool
	y, lo, hi  func(summary) float64
	has        func(summary) bool // whether a point has a value to draw; nil: all do
	curves     []curve
	xAxis, yAx axis
	xTicks     []float64 // the sweep's points
}

func (res *results) sweepSVG() []byte {
	pts, names := res.sweepGrid()
	cpu := panel{title: "server CPU µs per connection, start-up out", log: true,
		y:  func(s summary) float64 { return s.Net },
		lo: func(s summary) float64 { return s.NetLo }, hi: func(s summary) float64 { return s.NetHi }}
	second := panel{title: "connections/s",
		y:  func(s summary) float64 { return s.ConnRate },
		lo: func(s summary) float64 { return s.ConnRateLo }, hi: func(s summary) float64 { return s.ConnRateHi }}
	xTitle := "children or threads"
	p99 := panel{title: "client latency p99, ms", log: true,
		y:  func(s summary) float64 { return s.P99 },
		lo: func(s summary) float64 { return s.P99Lo }, hi: func(s summary) float64 { return s.P99Hi }}
	kept := func(s summary) bool { return s.LatRuns > 0 } // the client kept its schedule
	switch res.Sweep {
	case "inflight":
		second, xTitle = p99, "connections in flight"
	case "rate":
		p99.title, p99.has = "latency p99, ms, corrected", kept
		cpu = p99
		second = panel{title: "latency p99.9, ms, corrected", log: true, has: kept,
			y:  func(s summary) float64 { return s.P999 },
			lo: func(s summary) float64 { return s.P999Lo }, hi: func(s summary) float64 { return s.P999Hi }}
		xTitle = "offered connections/s"
	case "conns":
		cpu = panel{title: "server memory per held connection, kB (PSS)", log: true,
			has: func(s summary) bool { return s.PSSPerConnLo > memFloor },
			y:   func(s summary) float64 { return s.PSSPerConn },
			lo:  func(s summary) float64 { return s.PSSPerConnLo },
			hi:  func(s summary) float64 { return s.PSSPerConnHi }}
		p99.title, p99.has = "latency p99, ms, corrected", kept
		second, xTitle = p99, "connections held open"
	}
	panels := []*panel{&cpu, &second}
	for i, p := range panels {
		x0 := 10 + i*(lineL+lineW+30) + lineL
		p.xAxis = axis{log: true, x0: x0, w: lineW}
		p.yAx = axis{log: p.log, x0: lineTop + lineH, w: -lineH}
		// The x axis spans the points exactly, and ticks at each.
		p.xAxis.lo, p.xAxis.hi = float64(pts[0]), max(float64(pts[len(pts)-1]), 2*float64(pts[0]))
		for _, x := range pts {
			p.xTicks = append(p.xTicks, float64(x))
		}
		for _, n := range names {
			c := curve{name: n}
			for _, x := range pts {
				s, ok := res.point(n, x)
				if !ok || s.OK == 0 || p.has != nil && !p.has(s) {
					continue
				}
				c.pts, c.y = append(c.pts, float64(x)), append(c.y, p.y(s))
				c.lo, c.hi = append(c.lo, p.lo(s)), append(c.hi, p.hi(s))
				p.yAx.fit(max(p.lo(s), 1e-3), p.hi(s))
			}
			p.curves = append(p.curves, c)
		}
	}
	width := 10 + 2*(lineL+lineW+30) + legendW
	height := lineTop + lineH + 60
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" `+
		`viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		width, height, width, height)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	m := res.Machine
	head := "Figure 30.1 as curves: "
	if res.Sweep == "rate" || res.Sweep == "conns" {
		head = "Beyond the book's load: "
	}
	text(&b, 10, 18, "start", 14, "bold", head+res.sweepAxis()+
		", median of "+plural(res.RoundsRun, "round"))
	text(&b, 10, 34, "start", 11, "", fmt.Sprintf("%s, %d cores, %s, %s; %d bytes per reply",
		m.CPU, m.Cores, m.Kernel, m.Go, res.Bytes))
	for _, p := range panels {
		p.draw(&b, xTitle)
	}
	lx := width - legendW + 10
	for i, n := range names {
		y := lineTop + 14*i
		c := lineColors[i%len(lineColors)]
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>`+"\n",
			lx, y-4, lx+18, y-4, c)
		text(&b, lx+24, y, "start", 11, "", n)
	}
	text(&b, lx, lineTop+14*len(names)+10, "start", 10, "", "line: medians;")
	text(&b, lx, lineTop+14*len(names)+23, "start", 10, "", "bar: best to worst round")
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// draw writes the panel's grid, axes, curves and whiskers.
func (p *panel) draw(b *bytes.Buffer, xTitle string) {
	x0, x1 := p.xAxis.x0, p.xAxis.x0+p.xAxis.w
	y0, y1 := lineTop, lineTop+lineH
	for _, v := range p.xTicks {
		x := p.xAxis.x(v)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x, y0, x, y1)
		text(b, int(x), y1+14, "middle", 10, "", si(v))
	}
	for _, v := range p.yAx.ticks() {
		y := p.yAx.x(v)
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>`+"\n", x0, y, x1, y)
		text(b, x0-4, int(y)+4, "end", 10, "", si(v))
	}
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#333"/>`+"\n",
		x0, y0, lineW, lineH)
	text(b, x0+lineW/2, y0-8, "middle", 12, "bold", p.title)
	text(b, x0+lineW/2, y1+30, "middle", 11, "", xTitle+" (log scale)")
	for i, c := range p.curves {
		if len(c.pts) == 0 {
			continue // nothing to draw: no point of it ran, or none has this value
		}
		col := lineColors[i%len(lineColors)]
		var pts bytes.Buffer
		for j := range c.pts {
			x, y := p.xAxis.x(c.pts[j]), p.yAx.x(clamp(c.y[j], p.yAx))
			fmt.Fprintf(&pts, "%.1f,%.1f ", x, y)
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" opacity="0.5"/>`+"\n",
				x, p.yAx.x(clamp(c.lo[j], p.yAx)), x, p.yAx.x(clamp(c.hi[j], p.yAx)), col)
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>`+"\n", x, y, col)
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"/>`+"\n",
			bytes.TrimSpace(pts.Bytes()), col)
	}
}

// memFloor is the least memory per held connection, kB, the chart's log
// axis draws: below it (a pool, whose memory does not grow with the
// connections waiting for it) the table has the number.
const memFloor = 0.1

// clamp keeps a value inside a log axis (a CPU net of the idle run can come
// out at or below zero in a noisy round).
func clamp(v float64, a axis) float64 {
	if a.log {
		return math.Min(math.Max(v, a.lo), a.hi)
	}
	return v
}
