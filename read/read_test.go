package main

import (
	"go/ast"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// root is the repository this module sits in.
func root(t *testing.T) string {
	t.Helper()
	r, err := filepath.Abs("..")
	if err != nil || !isRoot(r) {
		t.Fatalf("the repository root is not at ..: %v", err)
	}
	return r
}

// built is the site without the book, made once for the tests that need
// no book.
func built(t *testing.T) (*repo, site) {
	t.Helper()
	r, err := assemble(root(t), "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.render()
	if err != nil {
		t.Fatal(err)
	}
	return r, s
}

func TestEveryDesignHasAPage(t *testing.T) {
	r, s := built(t)
	var names []string
	for _, d := range r.designs {
		names = append(names, d.Short)
	}
	// The book's nine, in its order, come first; then those beyond it.
	book := "serv00 serv01 serv02 serv03 serv04 serv05 serv06 serv07 serv08"
	if got := strings.Join(names, " "); !strings.HasPrefix(got, book+" serv09") {
		t.Errorf("designs in this order: %s; want the book's nine, then beyond/", got)
	}
	entries, err := filepath.Glob(filepath.Join(r.root, "*", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	beyond, _ := filepath.Glob(filepath.Join(r.root, "beyond", "*", "main.go"))
	index := string(s["index.html"])
	for _, m := range append(entries, beyond...) {
		dir := filepath.Base(filepath.Dir(m))
		if !strings.HasPrefix(dir, "serv") {
			continue
		}
		page := dir + ".html"
		if _, ok := s[page]; !ok {
			t.Errorf("%s has no page", dir)
		}
		if !strings.Contains(index, `href="`+page+`"`) {
			t.Errorf("the index does not link %s", page)
		}
	}
	if _, ok := s["unp.html"]; !ok {
		t.Error("no unp page")
	}
	// Book order, then beyond, on the index too.
	if i, j := strings.Index(index, "serv08-mainaccept.html"),
		strings.Index(index, "serv09-reuseport.html"); i < 0 || j < i {
		t.Errorf("the index lists serv09 (at %d) before serv08 (at %d)", j, i)
	}
}

func TestIndexSaysWhatEachDesignIsAndCosts(t *testing.T) {
	r, s := built(t)
	index := string(s["index.html"])
	for _, d := range r.designs {
		if !strings.HasPrefix(d.Summary, strings.ToUpper(d.Name[:1])+d.Name[1:]+" ") {
			t.Errorf("%s: design line %q does not start with the package name", d.Name, d.Summary)
		}
		if d.Cost == "" {
			t.Errorf("%s: its package doc says nothing of what it costs", d.Name)
		}
		for _, s := range []string{d.Summary, d.Cost} {
			if !strings.Contains(index, htmlEscape(s)) {
				t.Errorf("%s: the index lacks %q", d.Name, s)
			}
		}
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;",
		"'", "&#39;").Replace(s)
}

var (
	hrefUnp  = regexp.MustCompile(`href="unp\.html#([^"]+)"`)
	hrefHere = regexp.MustCompile(`href="#([^"]+)"`)
	hrefPage = regexp.MustCompile(`href="([\w./-]+\.(?:html|svg|css))`)
	anchor   = regexp.MustCompile(`id="([^"]+)"`)
)

func ids(page string) map[string]bool {
	m := map[string]bool{}
	for _, a := range anchor.FindAllStringSubmatch(page, -1) {
		m[a[1]] = true
	}
	return m
}

// Every unp.X a design's code uses links to X on the unp page, and every
// link to the unp page or within a page lands on an anchor.
func TestUnpNamesLinkToTheirDefinitions(t *testing.T) {
	r, s := built(t)
	unpIDs := ids(string(s["unp.html"]))
	used := 0
	for _, d := range r.designs {
		page := string(s[d.Page()])
		for _, f := range d.Files {
			u := unpImport(f.ast)
			if u == "" {
				continue
			}
			ast.Inspect(f.ast, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == u {
					used++
					if !strings.Contains(page, `href="unp.html#`+sel.Sel.Name+`"`) {
						t.Errorf("%s: %s.%s is not linked to the unp page", f.Path, u,
							sel.Sel.Name)
					}
				}
				return true
			})
		}
		for _, h := range hrefUnp.FindAllStringSubmatch(page, -1) {
			if !unpIDs[h[1]] {
				t.Errorf("%s links unp.html#%s, which is not there", d.Page(), h[1])
			}
		}
	}
	if used < 50 {
		t.Errorf("only %d uses of unp found in the designs: is the parse right?", used)
	}
	for name, data := range s {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		here := ids(string(data))
		for _, h := range hrefHere.FindAllStringSubmatch(string(data), -1) {
			if !here[h[1]] {
				t.Errorf("%s links #%s, which is not on it", name, h[1])
			}
		}
		for _, h := range hrefPage.FindAllStringSubmatch(string(data), -1) {
			if _, ok := s[h[1]]; !ok {
				t.Errorf("%s links %s, which the site does not have", name, h[1])
			}
		}
	}
	// A method through a variable of a unp type: serv03's lock.My_lock_wait.
	if !strings.Contains(string(s["serv03-flock.html"]), `href="unp.html#Lock"`) {
		t.Error("serv03's lock.My_lock_wait() does not link unp's Lock")
	}
}

// Each "Departure:" in a file's comments is marked on its page, and no
// "Departure:" on a page is left unmarked.
func TestDeparturesAreMarked(t *testing.T) {
	r, s := built(t)
	check := func(page string, files []*goFile) {
		want := 0
		for _, f := range files {
			for _, cg := range f.ast.Comments {
				for _, c := range cg.List {
					want += strings.Count(c.Text, departure)
				}
			}
		}
		html := string(s[page])
		marked := strings.Count(html, departureTag)
		if marked != want {
			t.Errorf("%s: %d Departure: marked, the source has %d", page, marked, want)
		}
		if all := strings.Count(html, departure); all != marked {
			t.Errorf("%s: %d Departure: unmarked", page, all-marked)
		}
	}
	total := 0
	for _, d := range r.designs {
		check(d.Page(), d.Files)
		total += strings.Count(string(s[d.Page()]), departureTag)
	}
	check("unp.html", r.unp)
	if total == 0 {
		t.Error("no design page marks a Departure:")
	}
	// A paragraph of comment that departs is marked as a whole, too.
	if !strings.Contains(string(s["serv03-flock.html"]), `class="row departure-row"`) {
		t.Error("serv03's child_main comment, which departs, is not a marked row")
	}
}

// With the book's source (UNP_BOOK), each function the port names after the
// book has the book's C beside it, from the file the design ports.
func TestBookBesideTheGo(t *testing.T) {
	dir := bookEnv(t)
	if dir == "" {
		t.Skip("UNP_BOOK is not set: give it a checkout of unpbook/unpv13e to check " +
			"the book's C beside the Go")
	}
	r, err := assemble(root(t), dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.render()
	if err != nil {
		t.Fatal(err)
	}
	from := func(fs []*cFunc) string {
		if len(fs) == 0 {
			return "nothing"
		}
		return fs[0].File
	}
	named := map[string]bool{}
	for _, d := range r.designs {
		page := string(s[d.Page()])
		for _, f := range d.Files {
			for _, b := range f.Blocks {
				if len(b.Book) > 0 {
					named[b.Name] = true
				}
				if !b.Wanted {
					continue
				}
				named[b.Name] = true
				if len(b.Book) == 0 {
					t.Errorf("%s: the book's %s not found", d.Name, b.Name)
					continue
				}
				// The C is in the block of its Go, with its file and line.
				blk := blockHTML(page, b.IDs[0])
				where := b.Book[0].File + ":"
				if !strings.Contains(blk, where) || !strings.Contains(blk, "<aside") {
					t.Errorf("%s: %s's block does not show %s beside it", d.Name, b.Name, where)
				}
			}
		}
	}
	for _, n := range []string{"main", "child_main", "child_make", "web_child", "sig_int",
		"thread_main", "thread_make", "doit"} {
		if !named[n] {
			t.Errorf("no design names the book's %s", n)
		}
	}

	// The book has several of some; each design gets the one of its files.
	want := map[string]map[string]string{
		"serv02": {"child_main": "server/child02.c", "main": "server/serv02.c"},
		"serv03": {"child_main": "server/child03.c", "main": "server/serv03.c",
			"child_make": "server/child03.c", "sig_int": "server/serv03.c"},
		"serv04": {"child_main": "server/child04.c"},
		"serv05": {"child_main": "server/child05.c", "child_make": "server/child05.c"},
		"serv07": {"thread_main": "server/pthread07.c"},
		"serv08": {"thread_main": "server/pthread08.c", "main": "server/serv08.c"},
	}
	for _, d := range r.designs {
		for _, f := range d.Files {
			for _, b := range f.Blocks {
				if w := want[d.Short][b.Name]; w != "" && from(b.Book) != w {
					t.Errorf("%s: %s from %s, want %s", d.Short, b.Name, from(b.Book), w)
				}
			}
		}
	}

	// unp: every name its package doc's table gives a book file, and every
	// name in the book's casing, beside the book's.
	_, names := unpFileMap(r.unpDoc)
	byName := map[string]*block{} // by anchor, and by file and name
	unpWant := map[string]string{}
	for _, f := range r.unp {
		for _, b := range f.Blocks {
			for _, id := range b.IDs {
				byName[id] = b
			}
			byName[f.Name+" "+b.Name] = b
			if b.Wanted {
				unpWant[b.IDs[0]] = b.IDs[0]
			}
		}
	}
	for file, ns := range names {
		for _, n := range ns {
			if byName[n] == nil {
				n = file + " " + n[strings.LastIndex(n, ".")+1:]
			}
			unpWant[n] = n
		}
	}
	if len(unpWant) < 20 {
		t.Errorf("only %d of unp's names to look for: is its package doc's table read?",
			len(unpWant))
	}
	unpPage := string(s["unp.html"])
	for n := range unpWant {
		b := byName[n]
		switch {
		case b == nil:
			t.Errorf("unp: %s, in its package doc, is not declared", n)
		case len(b.Book) == 0:
			t.Errorf("unp: the book's %s not found", n)
		case !strings.Contains(blockHTML(unpPage, b.IDs[0]), b.Book[0].File+":"):
			t.Errorf("unp: %s's block does not show the book's beside it", n)
		}
	}
	// The file and the function beside each: the lower-case worker where
	// unp has only the capitalised name, each its own where unp has both.
	for n, want := range map[string]string{
		"Tcp_listen":             "lib/tcp_listen.c Tcp_listen",
		"tcp_listen":             "lib/tcp_listen.c tcp_listen",
		"Readn":                  "lib/readn.c readn Readn",
		"Web_child":              "server/web_child.c web_child",
		"fcntlLock.My_lock_wait": "server/lock_fcntl.c my_lock_wait",
		"Pr_cpu_time":            "server/pr_cpu_time.c pr_cpu_time",
	} {
		b := byName[n]
		if b == nil {
			t.Errorf("unp: no %s", n)
			continue
		}
		got := from(b.Book)
		for _, c := range b.Book {
			got += " " + c.Name
		}
		if got != want {
			t.Errorf("unp: %s beside %s, want %s", n, got, want)
		}
	}
}

// bookEnv is the book's source the environment names in UNP_BOOK, ""
// for none. A relative path is taken from the repository root, where
// .ci/run runs, or else from this directory.
func bookEnv(t *testing.T) string {
	dir := os.Getenv("UNP_BOOK")
	if dir == "" || filepath.IsAbs(dir) {
		return dir
	}
	for _, base := range []string{root(t), "."} {
		if st, err := os.Stat(filepath.Join(base, dir, "server")); err == nil && st.IsDir() {
			return filepath.Join(base, dir)
		}
	}
	t.Fatalf("UNP_BOOK=%s: no server/ there, from the repository root or from read/", dir)
	return ""
}

// blockHTML is the HTML of the block with anchor id on a page.
func blockHTML(page, id string) string {
	i := strings.Index(page, `<div class="block" id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := page[i+1:]
	if j := strings.Index(rest, `<div class="block"`); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// Without the book, a page says where to get it and which files it ports.
func TestWithoutTheBook(t *testing.T) {
	_, s := built(t)
	page := string(s["serv03-flock.html"])
	for _, want := range []string{bookRepo, "go run ./read -book DIR",
		"section 30.7, Figures 30.13-30.14", bookURL("server/child03.c")} {
		if !strings.Contains(page, want) {
			t.Errorf("serv03's page without the book lacks %q", want)
		}
	}
	if strings.Contains(page, "<aside") {
		t.Error("a C column without the book")
	}
}

func TestNumbers(t *testing.T) {
	r, s := built(t)
	for _, d := range r.designs {
		if d.Short != "serv03" {
			continue
		}
		page := string(s[d.Page()])
		if !strings.Contains(page, `<img src="bench/figure-30-1.svg"`) {
			t.Error("serv03's page has no Figure 30.1 chart")
		}
		if _, ok := s["bench/figure-30-1.svg"]; !ok {
			t.Error("the chart is not in the site")
		}
		if !strings.Contains(page, "<td>serv03-flock</td>") {
			t.Error("serv03's page has no row of the committed table")
		}
		if strings.Contains(page, "<td>serv02-prefork</td>") {
			t.Error("serv03's page has serv02's row")
		}
		if !strings.Contains(page, "<td>C serv03</td>") ||
			!strings.Contains(page, "bench/results/figure-30-1.json") {
			t.Error("serv03's page lacks the book's C row beside it, or the kept run it comes from")
		}
		if !strings.Contains(page, "<td>apache prefork fcntl · ab</td>") ||
			!strings.Contains(page, "<td>serv03-flock · ab</td>") {
			t.Error("serv03's page lacks its rows over HTTP, or Apache's beside them")
		}
	}
}

func TestCutGo(t *testing.T) {
	src := `// See UNPv1 3e, Figure 30.99 (server/serv99.c).

// Serv99 is a test. It costs nothing.
package main

// two returns 2.
// It is the book's.
func two() int {
	x := 1 // one

	// Add one more.
	return x + 1
}
`
	dir := t.TempDir()
	p := filepath.Join(dir, "main.go")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := parseGoFile(p, "serv99/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if f.Doc != "Serv99 is a test. It costs nothing." || !strings.HasPrefix(f.See, "See UNPv1") {
		t.Errorf("head: see %q, doc %q", f.See, f.Doc)
	}
	if len(f.Blocks) != 1 || len(f.Blocks[0].Rows) != 2 {
		t.Fatalf("want one block of two rows, got %d blocks", len(f.Blocks))
	}
	rows := f.Blocks[0].Rows
	code := func(r *row) string { return f.src[r.From:r.To] }
	if rows[0].Doc != "two returns 2.\nIt is the book's." ||
		code(rows[0]) != "func two() int {\n\tx := 1 // one" {
		t.Errorf("row 0: %q beside %q", rows[0].Doc, code(rows[0]))
	}
	if rows[1].Doc != "Add one more." || code(rows[1]) != "\treturn x + 1\n}" {
		t.Errorf("row 1: %q beside %q", rows[1].Doc, code(rows[1]))
	}
	if bookFiles(f.See)[0] != "server/serv99.c" {
		t.Errorf("book files %v", bookFiles(f.See))
	}
}

func TestCFuncs(t *testing.T) {
	src := `#include "unp.h"

static void	*doit(void *);		/* each thread executes this function */

int
main(int argc, char **argv)
{
	if (argc == 3)
		x();
}

static void *
doit(void *arg)
{
	return(NULL);
}
void sig_int(int signo) {
}
`
	fs := cFuncs("server/serv06.c", src)
	var got []string
	for _, f := range fs {
		got = append(got, f.Name+":"+strconv.Itoa(f.Line))
	}
	if strings.Join(got, " ") != "main:5 doit:12" {
		t.Errorf("found %v, want main at 5 and doit at 12 (a one-line header is not "+
			"the book's style and may be missed)", got)
	}
}

func TestProse(t *testing.T) {
	ln := &linker{idx: &unpIndex{anchors: map[string]bool{"Fork": true}}, unpPage: "unp.html",
		designs: map[string]string{"serv02": "serv02-prefork.html",
			"serv02-prefork": "serv02-prefork.html", "serv03": "serv03-flock.html"},
		self: "serv03-flock"}
	got := string(prose("Usage: serv [ <host> ] <port#>, see unp.Fork.\n\n"+
		"Departure: not the book's.\n\n\tcode <here>\n\n"+
		"As serv02-prefork (server/serv02.c, serv02.c), unlike serv03.", ln))
	for _, bad := range []string{`serv02.c</a>`, `serv03</a>`} {
		if strings.Contains(got, bad) {
			t.Errorf("prose links a file or its own page (%s):\n%s", bad, got)
		}
	}
	for _, want := range []string{"&lt;host&gt;", `<a href="unp.html#Fork">unp.Fork</a>`,
		`<a href="serv02-prefork.html">serv02-prefork</a>`,
		`<p class="departure">` + departureTag, "<pre><code>code &lt;here&gt;"} {
		if !strings.Contains(got, want) {
			t.Errorf("prose lacks %q:\n%s", want, got)
		}
	}
}

func TestSentences(t *testing.T) {
	for in, want := range map[string]string{
		"Serv01 is one. Two.":                      "Serv01 is one.",
		"It waits (e.g. in accept). Then it runs.": "It waits (e.g. in accept).",
		"No stop at all":                           "No stop at all",
		"A 2.5 s wait. Next.":                      "A 2.5 s wait.",
	} {
		if got := firstSentence(in); got != want {
			t.Errorf("firstSentence(%q) = %q, want %q", in, got, want)
		}
	}
	doc := "Serv is a server.\n\nIt waits. It costs a lock per connection.\n\n" +
		"Cost. Two calls per connection. More."
	if got := costSentence(doc); got != "Two calls per connection." {
		t.Errorf("costSentence = %q", got)
	}
}
