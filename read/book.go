package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// bookRepo is where a reader gets the book's source.
const bookRepo = "https://github.com/unpbook/unpv13e"

// bookURL links a file of the book's source in the authors' repository.
func bookURL(file string) string { return bookRepo + "/blob/HEAD/" + file }

// A cFunc is one function definition in the book's source.
type cFunc struct {
	Name string
	File string // "server/child03.c"
	Line int    // where the definition starts, 1-based
	Code string
}

// A book is the functions of a checkout of the book's source, server/ and
// lib/, read when the site is built.
type book struct {
	dir   string
	order []string            // server/*.c, then lib/*.c
	funcs map[string][]*cFunc // file -> its functions
}

func readBook(dir string) (*book, error) {
	b := &book{dir: dir, funcs: map[string][]*cFunc{}}
	for _, sub := range []string{"server", "lib"} {
		names, err := filepath.Glob(filepath.Join(dir, sub, "*.c"))
		if err != nil {
			return nil, err
		}
		sort.Strings(names)
		for _, name := range names {
			data, err := os.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("reading the book: %w", err)
			}
			rel := sub + "/" + filepath.Base(name)
			b.order = append(b.order, rel)
			b.funcs[rel] = cFuncs(rel, string(data))
		}
	}
	if len(b.order) == 0 {
		return nil, fmt.Errorf("%s has no server/*.c or lib/*.c: is it a checkout of %s?",
			dir, bookRepo)
	}
	return b, nil
}

// A definition starts at the beginning of a line with its name, or its
// return type and then its name, and an opening parenthesis; the book puts
// the return type on the line above (K&R style) almost everywhere.
var cDef = regexp.MustCompile(`^(?:[A-Za-z_][\w \t]*[ \t*]+)?\**([A-Za-z_]\w*)\s*\(`)

var cComment = regexp.MustCompile(`/\*.*?\*/`)

var cNotDef = map[string]bool{"if": true, "while": true, "for": true, "switch": true,
	"return": true, "sizeof": true}

// cFuncs finds the function definitions of a C file: a line that starts
// with a name and "(", whose body's "{" opens a later line before any ";",
// and ends at the first "}" at the start of a line.
func cFuncs(file, src string) []*cFunc {
	lines := strings.Split(src, "\n")
	var fs []*cFunc
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		m := cDef.FindStringSubmatch(l)
		if m == nil || cNotDef[m[1]] || strings.HasPrefix(l, "#") ||
			strings.HasPrefix(l, "typedef") || strings.HasPrefix(l, "extern") ||
			strings.HasPrefix(l, "static ") && strings.HasSuffix(strings.TrimSpace(l), ";") {
			continue
		}
		open := -1
		for j := i; j < len(lines) && j < i+8; j++ {
			t := strings.TrimSpace(cComment.ReplaceAllString(lines[j], ""))
			if strings.HasPrefix(lines[j], "{") {
				open = j
				break
			}
			if strings.Contains(t, ";") || strings.HasSuffix(t, "}") ||
				j > i && t != "" && lines[j][0] != ' ' && lines[j][0] != '\t' {
				break // a declaration, or something else begins
			}
		}
		if open < 0 {
			continue
		}
		end := open
		for end < len(lines) && !strings.HasPrefix(lines[end], "}") {
			end++
		}
		if end == len(lines) {
			continue
		}
		start := i
		// The return type on the line(s) above: "void", "static void *".
		for start > 0 && isTypeLine(lines[start-1]) && i-start < 2 {
			start--
		}
		fs = append(fs, &cFunc{Name: m[1], File: file, Line: start + 1,
			Code: strings.Join(lines[start:end+1], "\n")})
		i = end
	}
	return fs
}

func isTypeLine(l string) bool {
	t := strings.TrimSpace(l)
	return t != "" && l[0] != ' ' && l[0] != '\t' && l[0] != '#' && l[0] != '}' &&
		!strings.ContainsAny(t, ";(){}/=") && !strings.HasPrefix(t, "*")
}

// find looks a Go name up in the book: first in the files given, then, if
// wide, in all of server/ and then lib/. The C of a name in the book's
// casing may be all lower case (Web_child is web_child); where the book has
// both, the lower-case worker comes first and the capitalised wrapper after
// it (readn, then Readn), unless exact: where the Go has both too, each
// gets its own. The first file that has any is the answer.
func (b *book) find(name string, files []string, wide, exact bool) []*cFunc {
	if b == nil || name == "" {
		return nil
	}
	try := files
	if wide {
		try = append(append([]string(nil), files...), b.order...)
	}
	want := []string{strings.ToLower(name)}
	if exact {
		want = []string{name}
	} else if name != want[0] {
		want = append(want, name)
	}
	for _, file := range try {
		var got []*cFunc
		for _, w := range want {
			for _, f := range b.funcs[file] {
				if f.Name == w {
					got = append(got, f)
					break
				}
			}
		}
		if len(got) > 0 {
			return got
		}
	}
	return nil
}
