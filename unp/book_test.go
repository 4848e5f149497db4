package unp_test

// The promises the port makes about the book, checked against the book's
// source: every Departure: names the C file it departs from, and every name
// in the book's casing is one the book has. With UNP_BOOK naming a checkout
// of the book's source (unpv13e; .ci/run sets it), the named files and names
// must be there too.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// cFile matches a C file a comment names: web_child.c, lib/wrapsock.c. A
// system header (<linux/io_uring.h>, sys/socket.h) is not the book's and
// does not match: the character before the name may be no '/' or '<'.
var cFile = regexp.MustCompile(`(?:^|[^\w/<.-])((?:server/|lib/|intro/)?[a-z0-9_]+\.[ch])\b`)

// beyondDesign matches the design a beyond/ program descends from.
var beyondDesign = regexp.MustCompile(`\bserv\d\d-[a-z]+`)

// proseMarkers are the words that say "departure" without the marker.
// ("Not in the book's usage line" says something else.)
var proseMarkers = regexp.MustCompile(`(?i)(not\s+in\s+the\s+book\b(?:[^'’]|$)|is\s+a\s+departure)`)

// marked reports whether para carries the marker Departure:, as opposed to
// naming it ("Departure:", (Departure:), as read/ and the READMEs do).
func marked(para string) bool {
	for i := 0; ; {
		j := strings.Index(para[i:], "Departure:")
		if j < 0 {
			return false
		}
		j += i
		end := j + len("Departure:")
		before, after := byte(' '), byte(' ')
		if j > 0 {
			before = para[j-1]
		}
		if end < len(para) {
			after = para[end]
		}
		if !strings.ContainsRune("\"`", rune(before)) && !strings.ContainsRune(")\"`", rune(after)) {
			return true
		}
		i = end
	}
}

// checkComment returns what is wrong with one comment paragraph of the file
// at path (slash-separated, relative to the repository root). book, if not
// empty, is the book's source, where every C file named must exist.
func checkComment(path, para, book string) []string {
	var bad []string
	if !marked(para) {
		if strings.HasPrefix(path, "beyond/") {
			return nil
		}
		if m := proseMarkers.FindStringSubmatch(para); m != nil {
			bad = append(bad, "says "+`"`+strings.TrimRight(m[1], " ,.;:")+`"`+" without the marker")
		}
		return bad
	}
	files := cFile.FindAllStringSubmatch(para, -1)
	if len(files) == 0 {
		switch {
		case strings.HasPrefix(path, "beyond/") && beyondDesign.MatchString(para):
		case strings.HasPrefix(path, "bench/") && strings.Contains(para, "Figure 30.1"):
		default:
			bad = append(bad, "Departure: names no C file of the book")
		}
	}
	if book == "" {
		return bad
	}
	for _, f := range files {
		if !bookHasFile(book, f[1]) {
			bad = append(bad, "Departure: names "+f[1]+", which is not in the book's server/, lib/ or intro/")
		}
	}
	return bad
}

// bookHasFile reports whether name (web_child.c, lib/error.c) is a file of
// the book's server/, lib/ or intro/.
func bookHasFile(book, name string) bool {
	dirs := []string{"server", "lib", "intro"}
	if d, base, ok := strings.Cut(name, "/"); ok {
		dirs, name = []string{d}, base
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(book, d, name)); err == nil {
			return true
		}
	}
	return false
}

// paragraphs splits a comment's text at its blank lines.
func paragraphs(text string) []string {
	var out []string
	for p := range strings.SplitSeq(text, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func TestCheckComment(t *testing.T) {
	book := bookDir(t, false)
	for _, c := range []struct {
		path, para string
		ok         bool
	}{
		{"unp/x.go", "Departure: the book's Read exits.", false},
		{"unp/x.go", "Departure: the book's Read (wrapunix.c) exits.", true},
		{"unp/x.go", "Departure: the book's Read (lib/wrapunix.c) exits.", true},
		{"unp/x.go", "Departure: see main.go and <linux/io_uring.h>.", false},
		{"unp/x.go", "Not in the book, which predates it.", false},
		{"unp/x.go", "This is a departure from serv05.c.", false},
		{"unp/x.go", "Beyond the book: SO_REUSEPORT.", true},
		{"unp/x.go", "An ordinary comment about serv05.c.", true},
		{"unp/x.go", `Paragraphs that hold "Departure:" get a class.`, true},
		{"unp/x.go", "Paragraphs that depart (Departure:) are marked.", true},
		{"unp/x.go", "-select is not in the book's usage line.", true},
		{"beyond/serv10-epoll/main.go", "Departure: from serv02-prefork, one loop.", true},
		{"beyond/serv10-epoll/main.go", "Departure: one loop.", false},
		{"beyond/serv10-epoll/main.go", "Not in the book, which predates it.", true},
		{"bench/x.go", "Departure: Figure 30.1 measured the server alone.", true},
		{"bench/x.go", "Departure: measured the server alone.", false},
	} {
		if got := checkComment(c.path, c.para, ""); (len(got) == 0) != c.ok {
			t.Errorf("%s: %q: got %q, want ok=%v", c.path, c.para, got, c.ok)
		}
	}
	if book == "" {
		return
	}
	if got := checkComment("unp/x.go", "Departure: see nosuch.c.", book); len(got) == 0 {
		t.Errorf("a Departure: naming a file the book lacks passed")
	}
	if got := checkComment("unp/x.go", "Departure: see server/serv05.c.", book); len(got) != 0 {
		t.Errorf("a Departure: naming server/serv05.c: %q", got)
	}
}

// TestDeparturesNameTheC reads the comments of every Go file of the
// workspace (tests and testdata aside) and checks each paragraph with
// checkComment.
func TestDeparturesNameTheC(t *testing.T) {
	book := bookDir(t, false)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.work")); err != nil {
		t.Fatalf("the workspace root is not at ..: %v", err)
	}
	n := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || strings.HasPrefix(name, ".") || name == "site") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, cg := range f.Comments {
			for _, para := range paragraphs(cg.Text()) {
				if marked(para) {
					n++
				}
				for _, why := range checkComment(rel, para, book) {
					t.Errorf("%s:%d: %s:\n\t%s", rel, fset.Position(cg.Pos()).Line, why, firstLine(para))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Errorf("only %d Departure: paragraphs found: is the walk reading the workspace?", n)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// bookDir is the book's source from UNP_BOOK (relative to the repository
// root or to unp/), or "" if it is unset. need skips the test without it.
func bookDir(t *testing.T, need bool) string {
	t.Helper()
	dir := os.Getenv("UNP_BOOK")
	if dir == "" {
		if need {
			t.Skip("UNP_BOOK is not set: it names the book's source (unpv13e), which this test reads")
		}
		return ""
	}
	for _, base := range []string{"", "..", "."} {
		d := dir
		if base != "" && !filepath.IsAbs(dir) {
			d = filepath.Join(base, dir)
		}
		if st, err := os.Stat(filepath.Join(d, "server")); err == nil && st.IsDir() {
			return d
		}
	}
	t.Fatalf("UNP_BOOK=%s: no server/ there, from the repository root or from unp/", dir)
	return ""
}

// bookNames is every name the book's chapter-30 sources and library define:
// functions (the name at column 0 before its parameters, the book's style),
// typedef names and #define names.
func bookNames(t *testing.T, book string) map[string]bool {
	t.Helper()
	def := []*regexp.Regexp{
		regexp.MustCompile(`(?m)^([A-Za-z_]\w*)\(`),
		regexp.MustCompile(`(?m)^\}\s*([A-Za-z_]\w*)\s*;`),
		regexp.MustCompile(`(?m)^typedef\b[^;{]*?\b([A-Za-z_]\w*)\s*(?:\([^;]*)?;`),
		regexp.MustCompile(`(?m)^#\s*define\s+([A-Za-z_]\w*)`),
	}
	var files []string
	for _, glob := range []string{"server/*.c", "server/*.h", "lib/*.c", "lib/unp.h"} {
		m, _ := filepath.Glob(filepath.Join(book, glob))
		files = append(files, m...)
	}
	names := map[string]bool{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range def {
			for _, m := range re.FindAllSubmatch(src, -1) {
				names[strings.ToLower(string(m[1]))] = true
			}
		}
	}
	if !names["web_child"] || !names["rline"] || !names["maxline"] {
		t.Fatalf("the book's index from %s lacks web_child, Rline or MAXLINE", book)
	}
	return names
}

// namingParagraph is the paragraph of text that states the naming rule: the
// one that starts with start.
func namingParagraph(t *testing.T, text, start string) string {
	t.Helper()
	i := strings.Index(text, start)
	if i < 0 {
		t.Fatalf("no naming paragraph starting %q", start)
	}
	p, _, _ := strings.Cut(text[i:], "\n\n")
	return strings.Join(strings.Fields(p), " ")
}

// The names a naming paragraph gives: backquoted identifiers in README.md,
// doc links ([Tcp_listen]) in unp.go.
var (
	backquoted = regexp.MustCompile("`([A-Za-z_][A-Za-z0-9_.]*)`")
	docLink    = regexp.MustCompile(`\[([A-Za-z_][A-Za-z0-9_.]*)\]`)
)

// splitNaming splits a naming paragraph at its sentence about what the
// port invented: the names before it are the book's, the names in that
// sentence the port's own.
func splitNaming(t *testing.T, para, invented string, names func(string) []string) (book, port []string) {
	t.Helper()
	i := strings.Index(para, invented)
	if i < 0 {
		t.Fatalf("the naming paragraph has no %q:\n%s", invented, para)
	}
	j := strings.Index(para[i:], ".")
	if j < 0 {
		j = len(para) - i
	}
	return names(para[:i]), names(para[i : i+j])
}

// TestBookNames checks the naming rule against the book's source: each
// exported unp name with an underscore, each all-caps constant, and each
// name the naming paragraphs of README.md and unp.go call the book's is in
// the book in some casing; each name they call the port's own is not.
func TestBookNames(t *testing.T) {
	book := bookDir(t, true)
	index := bookNames(t, book)
	inBook := func(name string) bool {
		name = name[strings.LastIndex(name, ".")+1:] // unp.Fork
		return index[strings.ToLower(name)]
	}

	want := map[string]string{} // name: where it is written
	fset := token.NewFileSet()
	pkgFiles, _ := filepath.Glob("*.go")
	for _, p := range pkgFiles {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		add := func(id *ast.Ident) {
			if id.IsExported() && (strings.Contains(id.Name, "_") || id.Name == strings.ToUpper(id.Name)) {
				want[id.Name] = fset.Position(id.Pos()).String()
			}
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if strings.Contains(d.Name.Name, "_") {
					add(d.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						if strings.Contains(s.Name.Name, "_") {
							add(s.Name)
						}
					case *ast.ValueSpec:
						if d.Tok == token.CONST {
							for _, n := range s.Names {
								add(n)
							}
						}
					}
				}
			}
		}
	}
	want["MAXNCLI"] = "serv08-mainaccept"
	for _, n := range []string{"MAXLINE", "MAXN", "LISTENQ"} {
		if want[n] == "" {
			t.Errorf("unp has no constant %s", n)
		}
	}

	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	para := namingParagraph(t, string(readme), "A name with an underscore")
	quoted := func(s string) (out []string) {
		for _, m := range backquoted.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		return out
	}
	bookN, portN := splitNaming(t, para, "What the port invented", quoted)

	doc, err := parser.ParseFile(fset, "unp.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	para2 := namingParagraph(t, doc.Doc.Text(), "A name with an underscore")
	links := func(s string) (out []string) {
		for _, m := range docLink.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		return out
	}
	b2, p2 := splitNaming(t, para2, "What the port invented", links)
	for _, n := range append(bookN, b2...) {
		want[n] = "a naming paragraph"
	}
	if len(portN) == 0 || len(p2) == 0 {
		t.Errorf("a naming paragraph names nothing the port invented: README %q, unp.go %q", portN, p2)
	}
	for n, where := range want {
		if !inBook(n) {
			t.Errorf("%s (%s) is in the book's casing, but the book's server/ and lib/ have no %s in any casing", n, where, n)
		}
	}
	for _, n := range append(portN, p2...) {
		if inBook(n) {
			t.Errorf("%s is called invented by the port, but the book has %s", n, strings.ToLower(n))
		}
	}
}
