package main

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// departure is the word that marks where the port departs from the book.
const departure = "Departure:"

// departureTag is how a page marks the word; tests look for it.
const departureTag = `<strong class="departure">` + departure + `</strong>`

var md = goldmark.New(
	goldmark.WithExtensions(extension.Table),
	goldmark.WithParserOptions(parser.WithASTTransformers(
		util.Prioritized(departureParagraphs{}, 100))),
)

// departureParagraphs gives each paragraph that holds "Departure:" the class
// the style sheet marks.
type departureParagraphs struct{}

func (departureParagraphs) Transform(doc *ast.Document, r text.Reader, _ parser.Context) {
	src := r.Source()
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || n.Kind() != ast.KindParagraph {
			return ast.WalkContinue, nil
		}
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			if bytes.Contains(seg.Value(src), []byte(departure)) {
				n.SetAttributeString("class", []byte("departure"))
				break
			}
		}
		return ast.WalkSkipChildren, nil
	})
}

// unpMention is a name of package unp in prose: unp.Reap, unp.Rline.Readline.
var unpMention = regexp.MustCompile(`\bunp\.([A-Z]\w*)`)

// designMention is a design named in prose: serv02-prefork, serv02; with a
// file extension (serv02.c) or after a slash it is a file, not a design.
var designMention = regexp.MustCompile(`[/\w]?serv\d\d(?:-[a-z]+)?(?:\.\w+)?`)

// A linker says what prose may link: unp's names to the unp page (unpPage,
// "" on the unp page itself), and the designs to their pages, except the
// page's own (self).
type linker struct {
	idx     *unpIndex
	unpPage string
	designs map[string]string // "serv02-prefork" and "serv02" -> "serv02-prefork.html"
	self    string
}

func (ln *linker) links(s string) string {
	if ln == nil {
		return s
	}
	s = unpMention.ReplaceAllStringFunc(s, func(m string) string {
		name := m[len("unp."):]
		if ln.idx == nil || !ln.idx.anchors[name] {
			return m
		}
		return "[" + m + "](" + ln.unpPage + "#" + name + ")"
	})
	return designMention.ReplaceAllStringFunc(s, func(m string) string {
		page, ok := ln.designs[m]
		if !ok || page == ln.self+".html" {
			return m // a file, a path, or this page
		}
		return "[" + m + "](" + page + ")"
	})
}

// prose renders a Go comment as HTML. Go doc comments and Markdown agree
// on what the comments here use (paragraphs, tab-indented blocks, lists,
// `code`), with one exception: a "<" in prose ("<port#>") would be raw
// HTML to Markdown, so it is escaped first. Mentions of unp's names and of
// the designs link to their pages, and "Departure:" is marked wherever it
// stands.
func prose(doc string, ln *linker) template.HTML {
	if doc == "" {
		return ""
	}
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "    ") {
			b.WriteString(l) // a code block: Markdown leaves it alone
		} else {
			b.WriteString(outsideCode(l, func(s string) string {
				return ln.links(strings.ReplaceAll(s, "<", "&lt;"))
			}))
		}
		b.WriteByte('\n')
	}
	return renderMarkdown(b.String())
}

// renderMarkdown renders Markdown and marks each "Departure:".
func renderMarkdown(src string) template.HTML {
	var out bytes.Buffer
	if err := md.Convert([]byte(src), &out); err != nil {
		return template.HTML("<pre>" + template.HTMLEscapeString(src) + "</pre>")
	}
	return template.HTML(strings.ReplaceAll(out.String(), departure, departureTag))
}

// outsideCode applies f to the parts of a line outside `code` spans.
func outsideCode(line string, f func(string) string) string {
	parts := strings.Split(line, "`")
	if len(parts)%2 == 0 { // an unpaired backtick: no spans
		return f(line)
	}
	for i := 0; i < len(parts); i += 2 {
		parts[i] = f(parts[i])
	}
	return strings.Join(parts, "`")
}
