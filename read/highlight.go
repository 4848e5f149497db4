package main

import (
	"html/template"
	"sort"
	"strings"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
)

// highlight colours code with chroma's tokens and writes the HTML itself,
// so that an identifier can carry a link: links maps the byte offset (from
// base, the code's offset in its file) at which a linked identifier
// starts to where it links. Comments in the code get "Departure:" marked.
func highlight(code, lang string, base int, links map[int]string) template.HTML {
	lexer := lexers.Get(lang)
	if lexer == nil {
		lexer = lexers.Fallback
	}
	tokens, err := chroma.Tokenise(chroma.Coalesce(lexer), nil, code)
	if err != nil {
		return template.HTML("<code>" + template.HTMLEscapeString(code) + "</code>")
	}
	var at []int // link offsets within this code, in order
	for off := range links {
		if off >= base && off < base+len(code) {
			at = append(at, off-base)
		}
	}
	sort.Ints(at)

	var b strings.Builder
	b.WriteString("<code>")
	pos := 0
	for _, t := range tokens {
		v := t.Value
		if pos+len(v) > len(code) { // the lexer may add a final newline
			v = v[:max(0, len(code)-pos)]
		}
		cls := tokenClass(t.Type)
		for len(v) > 0 {
			// The piece up to the next link, or the linked identifier.
			n := len(v)
			var href string
			for len(at) > 0 && at[0] < pos {
				at = at[1:]
			}
			if len(at) > 0 && at[0] < pos+n {
				if at[0] > pos {
					n = at[0] - pos
				} else {
					href = links[base+pos]
					n = identLen(v)
					at = at[1:]
				}
			}
			piece(&b, v[:n], cls, href)
			v, pos = v[n:], pos+n
		}
	}
	b.WriteString("</code>")
	return template.HTML(b.String())
}

func piece(b *strings.Builder, s, cls, href string) {
	if href != "" {
		b.WriteString(`<a href="` + template.HTMLEscapeString(href) + `">`)
	}
	if cls != "" {
		b.WriteString(`<span class="` + cls + `">`)
	}
	e := template.HTMLEscapeString(s)
	if strings.HasPrefix(cls, "c") { // a comment
		e = strings.ReplaceAll(e, departure, departureTag)
	}
	b.WriteString(e)
	if cls != "" {
		b.WriteString("</span>")
	}
	if href != "" {
		b.WriteString("</a>")
	}
}

// identLen is the length of the identifier s starts with.
func identLen(s string) int {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return max(i, 1)
		}
	}
	return len(s)
}

// tokenClass is chroma's short class for a token type, as its own HTML
// formatter writes it, so that chroma's style sheet applies.
func tokenClass(t chroma.TokenType) string {
	for ; t != 0; t = t.Parent() {
		if cls, ok := chroma.StandardTypes[t]; ok {
			return cls
		}
	}
	return ""
}

// chromaCSS is the style sheet for chroma's classes, in the GitHub style.
func chromaCSS() string {
	var b strings.Builder
	f := chromahtml.New(chromahtml.WithClasses(true))
	if err := f.WriteCSS(&b, styles.Get("github")); err != nil {
		return ""
	}
	return b.String()
}
