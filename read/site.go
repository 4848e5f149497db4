package main

import (
	"bytes"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// A site is every file of the generated site, by its path in the site.
type site map[string][]byte

func (s site) pages() []string {
	var ps []string
	for name := range s {
		if strings.HasSuffix(name, ".html") {
			ps = append(ps, name)
		}
	}
	sort.Strings(ps)
	return ps
}

// write puts the site in dir.
func (s site) write(dir string) error {
	for name, data := range s {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("writing the site: %w", err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return fmt.Errorf("writing the site: %w", err)
		}
	}
	return nil
}

// ServeHTTP serves the site from memory.
func (s site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	data, ok := s[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	_, _ = w.Write(data)
}

// The page's view of things: what the templates read.
type (
	pageView struct {
		Title    string
		Designs  []*design // for the navigation
		Design   *design   // nil on the unp page
		See      template.HTML
		Lead     template.HTML // the package doc's first paragraph
		Doc      template.HTML // the rest of it, folded until the reader opens it
		Files    []fileView
		Numbers  numbers
		HaveBook bool
		BookDir  string
		CFiles   []cLink
		BookRepo string
	}
	fileView struct {
		Name, Path string
		CFile      cLink
		Blocks     []blockView
	}
	blockView struct {
		ID     string
		Extra  []string // more anchors: the other names a declaration declares
		Rows   []rowView
		Book   []cView
		Wanted string // a book name the book was not found to have
	}
	rowView struct {
		Doc       template.HTML
		Code      template.HTML
		Departure bool
	}
	cView struct {
		Name, File, URL string
		Line            int
		Code            template.HTML
	}
	cLink     struct{ File, URL string }
	indexView struct {
		Title        string
		Book, Beyond []*design
		Designs      []*design
		Numbers      numbers
		HaveBook     bool
		BookRepo     string
	}
)

// unpFileMap reads the table of unp's package doc: which of the book's
// files each of unp's files ports, and the names it lists for it.
var unpFileRow = regexp.MustCompile(`(?m)^\t(\w+\.go)\s+((?:lib|server)/\w+\.c)(?::\s*(.*))?$`)

func unpFileMap(doc string) (files map[string]string, names map[string][]string) {
	files, names = map[string]string{}, map[string][]string{}
	for _, m := range unpFileRow.FindAllStringSubmatch(doc, -1) {
		files[m[1]] = m[2]
		for _, item := range strings.Split(m[3], ",") {
			f := strings.Fields(item)
			if len(f) > 0 && regexp.MustCompile(`^[A-Z]\w*(\.\w+)?$`).MatchString(f[0]) {
				names[m[1]] = append(names[m[1]], f[0])
			}
		}
	}
	return files, names
}

// A repo is everything read from the repository (and the book) that the
// pages are made of.
type repo struct {
	root, bookDir string
	book          *book
	unp           []*goFile
	unpDoc        string
	idx           *unpIndex
	designs       []*design
}

// build makes the whole site from the repository at root and, if bookDir
// is not "", the book's source there.
func build(root, bookDir string) (site, error) {
	r, err := assemble(root, bookDir)
	if err != nil {
		return nil, err
	}
	return r.render()
}

// assemble reads the repository's Go and the book's C, and puts each of
// the book's functions beside the Go of the same name.
func assemble(root, bookDir string) (*repo, error) {
	var bk *book
	if bookDir != "" {
		var err error
		if bk, err = readBook(bookDir); err != nil {
			return nil, err
		}
	}
	unpFiles, err := parseGo(root, "unp")
	if err != nil {
		return nil, err
	}
	idx := newUnpIndex(unpFiles)
	link(unpFiles, idx, "")
	designs, err := findDesigns(root)
	if err != nil {
		return nil, err
	}
	for _, d := range designs {
		if d.Files, err = parseGo(root, d.Dir); err != nil {
			return nil, err
		}
		d.readHead(d.Files[0])
		link(d.Files, idx, "unp.html")
		for _, f := range d.Files {
			for _, b := range f.Blocks {
				// main is looked for in the design's own files only: every
				// program in the book has one.
				wide := b.Wanted && b.Name != "main"
				b.Book = bk.find(b.Name, d.searchFiles(), wide, false)
			}
		}
	}

	unpDoc := ""
	for _, f := range unpFiles {
		if f.Doc != "" {
			unpDoc = f.Doc
		}
	}
	cfile, _ := unpFileMap(unpDoc)
	declared := map[string]bool{}
	for _, f := range unpFiles {
		for _, b := range f.Blocks {
			if !b.Method {
				declared[b.Name] = true
			}
		}
	}
	for _, f := range unpFiles {
		for _, b := range f.Blocks {
			// Tcp_listen beside the book's Tcp_listen, where unp has a
			// tcp_listen of its own for the book's tcp_listen.
			exact := !b.Method && b.Name != strings.ToLower(b.Name) &&
				declared[strings.ToLower(b.Name)]
			var files []string
			if c := cfile[f.Name]; c != "" {
				files = []string{c}
			}
			b.Wanted = b.Wanted && b.Name != "main"
			b.Book = bk.find(b.Name, files, b.Wanted && !b.Method, exact)
		}
	}

	return &repo{root: root, bookDir: bookDir, book: bk, unp: unpFiles, unpDoc: unpDoc,
		idx: idx, designs: designs}, nil
}

// render makes the pages.
func (r *repo) render() (site, error) {
	out := site{}
	root, bookDir, bk, idx, designs := r.root, r.bookDir, r.book, r.idx, r.designs
	unpFiles, unpDoc := r.unp, r.unpDoc
	cfile, _ := unpFileMap(unpDoc)
	pageOf := map[string]string{}
	for _, d := range designs {
		pageOf[d.Name], pageOf[d.Short] = d.Page(), d.Page()
	}
	css := styleCSS + chromaCSS()
	out["style.css"] = []byte(css)
	for _, d := range designs {
		ln := &linker{idx: idx, unpPage: "unp.html", designs: pageOf, self: d.Name}
		v := pageView{Title: d.Name, Designs: designs, Design: d, HaveBook: bk != nil,
			BookDir: bookDir, BookRepo: bookRepo,
			See:     prose(d.See, ln),
			Numbers: numbersFor(root, d, out)}
		v.Lead, v.Doc = splitLead(d.Doc, ln)
		for _, c := range d.CFiles {
			v.CFiles = append(v.CFiles, cLink{c, bookURL(c)})
		}
		for _, f := range d.Files {
			v.Files = append(v.Files, viewFile(f, ln, ""))
		}
		if err := render(out, d.Page(), "design", v); err != nil {
			return nil, err
		}
	}

	uv := pageView{Title: "unp", Designs: designs, HaveBook: bk != nil, BookDir: bookDir,
		BookRepo: bookRepo}
	uln := &linker{idx: idx, designs: pageOf}
	uv.Lead, uv.Doc = splitLead(unpDoc, uln)
	for _, f := range unpFiles {
		uv.Files = append(uv.Files, viewFile(f, uln, cfile[f.Name]))
	}
	if err := render(out, "unp.html", "design", uv); err != nil {
		return nil, err
	}

	iv := indexView{Title: "index", Designs: designs, HaveBook: bk != nil, BookRepo: bookRepo}
	for _, d := range designs {
		if d.Beyond {
			iv.Beyond = append(iv.Beyond, d)
		} else {
			iv.Book = append(iv.Book, d)
		}
	}
	if err := render(out, "index.html", "index", iv); err != nil {
		return nil, err
	}
	return out, nil
}

func viewFile(f *goFile, ln *linker, cfile string) fileView {
	fv := fileView{Name: f.Name, Path: f.Path}
	if cfile != "" {
		fv.CFile = cLink{cfile, bookURL(cfile)}
	}
	seen := map[string]bool{}
	for _, b := range f.Blocks {
		bv := blockView{}
		for _, id := range b.IDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			if bv.ID == "" {
				bv.ID = id
			} else {
				bv.Extra = append(bv.Extra, id)
			}
		}
		for _, r := range b.Rows {
			rv := rowView{Doc: prose(r.Doc, ln),
				Departure: strings.Contains(r.Doc, departure)}
			if r.To > r.From {
				rv.Code = highlight(f.src[r.From:r.To], "go", r.From, f.links)
			}
			bv.Rows = append(bv.Rows, rv)
		}
		for _, c := range b.Book {
			bv.Book = append(bv.Book, cView{Name: c.Name, File: c.File, Line: c.Line,
				URL:  fmt.Sprintf("%s#L%d", bookURL(c.File), c.Line),
				Code: highlight(c.Code, "c", 0, nil)})
		}
		if b.Wanted && len(b.Book) == 0 {
			bv.Wanted = b.Name
		}
		fv.Blocks = append(fv.Blocks, bv)
	}
	return fv
}

func render(out site, name, tmpl string, v any) error {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, tmpl, v); err != nil {
		return fmt.Errorf("rendering %s: %w", name, err)
	}
	out[name] = b.Bytes()
	return nil
}

// splitLead renders a package doc as its first paragraph, which a page
// shows above the code, and the rest, which it folds: a reader meets the
// code on the first screen and opens the rest where it stands.
func splitLead(doc string, ln *linker) (lead, rest template.HTML) {
	first, more, _ := strings.Cut(doc, "\n\n")
	return prose(first, ln), prose(more, ln)
}
