package main

import "html/template"

var pages = template.Must(template.New("").Parse(`
{{define "top"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.}} · unp-go</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
{{end}}

{{define "nav"}}<nav>
<a href="index.html">unp-go</a>
{{range .Designs}}<a href="{{.Page}}"{{if eq .Name $.Title}} aria-current="page"{{end}}>
{{- .Short}}</a> {{end}}
<a href="unp.html"{{if eq .Title "unp"}} aria-current="page"{{end}}>unp</a>
</nav>{{end}}

{{define "numbers"}}{{with .Table}}<div class="table">{{.}}</div>{{end}}
{{range .Charts}}<figure>
<a href="{{.Src}}"><img src="{{.Src}}" alt="{{.Title}}" loading="lazy"></a>
<figcaption>{{.Title}}. {{.Machine}}{{with .Commit}}; chart committed in {{.}}{{end}}.
<a href="{{.Src}}">{{.Src}}</a></figcaption>
</figure>{{end}}{{end}}

{{define "design"}}{{template "top" .Title}}
{{template "nav" .}}
<main class="{{if .HaveBook}}book{{else}}nobook{{end}}">
<header class="head">
<h1>{{.Title}}</h1>
{{with .Design}}<p class="where"><code>{{.Dir}}/</code>
{{- if .Beyond}} · beyond the book{{end}}</p>{{end}}
<div class="see">{{.See}}</div>
<div class="lead">{{.Lead}}</div>
{{with .Doc}}<details class="pkgdoc"><summary>The rest of the package doc</summary>
{{.}}</details>{{end}}
<p class="bookline">{{with .Design}}{{if .Figures}}Ports {{.Figures}}{{end}}{{end}}
{{- with .CFiles}}:
{{range $i, $c := .}}{{if $i}}, {{end}}<a href="{{$c.URL}}"><code>{{$c.File}}</code></a>{{end}}
{{- end}}{{if .Design}}.{{end}}
{{if .HaveBook}}Beside the Go, the book's function of the same name, from
<code>{{.BookDir}}</code>{{if .Design}} (these files and their partners first, then, for a name
in the book's casing, all of <code>server/</code> and <code>lib/</code>){{end}}.
{{else}}Run <code>go run ./read -book DIR</code> with a checkout of the authors' source,
<a href="{{.BookRepo}}">unpbook/unpv13e</a>, to read each function beside the one it
ports.{{end}}{{if .Design}} <a href="#numbers">The numbers</a> are below the code.{{end}}</p>
</header>
{{$book := .HaveBook}}
{{range .Files}}<section class="file">
<h2 class="filename"><code>{{.Path}}</code>{{if .CFile.File}} · ports
<a href="{{.CFile.URL}}"><code>{{.CFile.File}}</code></a>{{end}}</h2>
{{range .Blocks}}<div class="block"{{with .ID}} id="{{.}}"{{end}}>
<div class="rows">
{{range .Extra}}<span id="{{.}}"></span>{{end}}
{{range .Rows}}<div class="row{{if .Departure}} departure-row{{end}}">
<div class="docs">{{.Doc}}</div>
<div class="code">{{if .Code}}<pre class="chroma">{{.Code}}</pre>{{end}}</div>
</div>
{{end}}</div>
{{if $book}}<aside class="c">{{range .Book}}<div class="cfunc">
<p class="cwhere"><a href="{{.URL}}"><code>{{.File}}:{{.Line}}</code></a>
· the book's <code>{{.Name}}</code></p>
<pre class="chroma">{{.Code}}</pre>
</div>{{else}}{{with .Wanted}}<p class="cwhere">
The book's source has no <code>{{.}}</code>.</p>{{end}}{{end}}</aside>{{end}}
</div>
{{end}}</section>
{{end}}
{{if .Design}}<section id="numbers" class="numbers"><h2>The numbers</h2>
{{template "numbers" .Numbers}}
{{if not .Numbers.Charts}}{{if not .Numbers.Table}}
<p>No committed bench result has this design yet.</p>{{end}}{{end}}</section>{{end}}
</main>
</body>
</html>
{{end}}

{{define "index"}}{{template "top" "index"}}
{{template "nav" .}}
<main class="index">
<h1>unp-go: chapter 30 of <cite>UNIX Network Programming</cite>, read beside the book</h1>
<p>One server, built {{len .Designs}} ways: each page puts a design's comments beside its Go
{{if .HaveBook}}and the book's C beside that{{else}}(with <code>-book DIR</code>, a checkout of
<a href="{{.BookRepo}}">unpbook/unpv13e</a>, the book's C beside that){{end}}, and its numbers
from the committed bench runs. What each design is and what it costs, in its own package doc's
words:</p>
<h2>The book's designs</h2>
{{template "designs" .Book}}
{{with .Beyond}}<h2>Beyond the book</h2>
{{template "designs" .}}{{end}}
<h2>The library</h2>
<p><a href="unp.html">unp</a>: the book's <code>unp.h</code> and <code>lib/</code>, under the
book's names, and what the port had to add.</p>
</main>
</body>
</html>
{{end}}

{{define "designs"}}<table class="designs">
<thead><tr><th>design</th><th>book</th><th>what it is</th><th>what it costs</th></tr></thead>
<tbody>{{range .}}<tr>
<td><a href="{{.Page}}">{{.Name}}</a></td>
<td>{{.Figures}}</td>
<td>{{.Summary}}</td>
<td>{{.Cost}}</td>
</tr>{{end}}</tbody>
</table>{{end}}
`))

// styleCSS lays the pages out: stacked on a narrow screen, side by side on
// a wide one. Chroma's colours are appended to it.
const styleCSS = `
* { box-sizing: border-box; }
body { margin: 0; color: #222; background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
nav { padding: .5rem 1rem; background: #f0f3f6; border-bottom: 1px solid #d8dee4;
  font-size: 14px; line-height: 2; }
nav a { margin-right: .6rem; white-space: nowrap; }
nav a[aria-current] { color: #222; font-weight: 600; text-decoration: none; }
main { margin: 0 auto; padding: 0 1rem 3rem; max-width: 1800px; }
main.nobook { max-width: 1300px; }
main.index { max-width: 1100px; }
a { color: #0b5cad; }
h1 { font-size: 1.6rem; margin: 1rem 0 .3rem; }
h2 { font-size: 1.15rem; margin: 1.2rem 0 .5rem; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: 12.5px; }
pre { margin: 0; padding: .5rem .8rem; overflow-x: auto; tab-size: 4; line-height: 1.45; }
/* Every line of code whole: a long one wraps rather than running off its
   column. */
pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.where { margin: 0; color: #555; }
.see p { font-style: italic; color: #444; }
.head { border-bottom: 2px solid #d8dee4; padding-bottom: .5rem; max-width: 1100px; }
.head .see p, .head .lead p { margin: .3rem 0; }
details.pkgdoc { margin: .3rem 0; }
details.pkgdoc summary { cursor: pointer; color: #0b5cad; }
.numbers { max-width: 1200px; }
.numbers img { width: 100%; height: auto; border: 1px solid #eee; }
figure { margin: 1rem 0; }
figcaption { font-size: 13px; color: #555; }
.table { overflow-x: auto; font-size: 13px; }
.table td, .table th { white-space: nowrap; }
.table td:nth-child(2) { white-space: normal; min-width: 12em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #d8dee4; padding: .2rem .4rem; vertical-align: top; }
th { text-align: left; }
.bookline { background: #fdf6e3; border-left: 4px solid #d9a521; padding: .3rem .8rem;
  font-size: 13px; }
.filename { margin-top: 2rem; padding: .3rem 0; border-bottom: 1px solid #d8dee4; }
.block { display: grid; grid-template-columns: minmax(0, 1fr);
  border-bottom: 1px solid #eaeef2; }
.row { display: grid; grid-template-columns: minmax(0, 1fr); }
.docs { padding: .2rem .8rem .2rem 0; }
.docs p { margin: .4rem 0; }
.docs pre { background: #f6f8fa; }
.code { background: #f6f8fa; min-height: 0; }
.code pre.chroma { background: transparent; }
aside.c { background: #fdf8ec; border-top: 1px dashed #d9a521; }
aside.c pre.chroma { background: transparent; }
aside.c:empty { display: none; }
.cwhere { margin: 0; padding: .3rem .8rem; font-size: 13px; color: #6b5314; }
.cfunc + .cfunc { border-top: 1px dashed #e6cf8f; }
strong.departure { color: #fff; background: #c2410c; padding: 0 .25em; border-radius: 3px;
  font-weight: 600; }
p.departure, .departure-row .docs { border-left: 4px solid #c2410c; padding-left: .6rem; }
.departure-row .docs p.departure { border-left: none; padding-left: 0; }
.code strong.departure { font-weight: 600; }
table.designs td:first-child { white-space: nowrap; }

/* A tablet: comment beside code, the book's C under them. */
@media (min-width: 760px) {
  .row { grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); }
  .docs { padding: .2rem 1rem .2rem 0; }
}
/* A phone: the navigation on one line that scrolls, so that the code
   comes sooner; the numbers without the design's wording (its name says
   it), so that they fit. */
@media (max-width: 759px) {
  nav { white-space: nowrap; overflow-x: auto; }
  .table td, .table th { white-space: normal; }
  .table td:nth-child(2), .table th:nth-child(2) { display: none; }
}
/* A wide screen: the book's C beside the Go. */
@media (min-width: 1100px) {
  main.book .block { grid-template-columns: minmax(0, 5fr) minmax(0, 3fr); }
  main.book .row { grid-template-columns: minmax(0, 1fr) minmax(0, 2.2fr); }
  aside.c { border-top: none; border-left: 1px dashed #d9a521; }
  aside.c:empty { display: block; }
}
`
