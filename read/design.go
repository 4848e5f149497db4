package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"unp-go.dev/lab"
)

// A design is one server program: a serv*/ or beyond/serv*/ directory.
type design struct {
	Dir    string // relative to the root, slash-separated: "serv03-flock", "beyond/serv09-reuseport"
	Name   string // "serv03-flock"
	Short  string // "serv03"
	Num    int    // 3
	Beyond bool   // under beyond/: beyond the book

	See     string   // the "See UNPv1 3e, ..." comment above the package doc
	Doc     string   // the package doc comment's text
	Figures string   // what See names: "section 30.7, Figures 30.13-30.14"
	CFiles  []string // the book's files it ports, in See's order: "server/serv03.c", ...
	Summary string   // the package doc's first sentence
	Cost    string   // the sentence that gives its cost
	Files   []*goFile
}

var designDir = regexp.MustCompile(`^serv(\d+)(-.*)?$`)

// findDesigns lists the designs under root: a page for each program
// directory of the one list of designs (lab.Designs), in its order, the
// book's first, then those beyond it. Its variants (serv02-select, ...)
// are flags of the same program and share its page.
func findDesigns(root string) ([]*design, error) {
	var ds []*design
	for _, dir := range lab.Dirs() {
		name := path.Base(dir)
		m := designDir.FindStringSubmatch(name)
		if m == nil {
			return nil, fmt.Errorf("design directory %s is not named servNN-...", dir)
		}
		if _, err := os.Stat(filepath.Join(root, dir, "main.go")); err != nil {
			return nil, fmt.Errorf("finding designs: %w", err)
		}
		n, _ := strconv.Atoi(m[1])
		ds = append(ds, &design{Dir: dir, Name: name, Short: "serv" + m[1], Num: n,
			Beyond: strings.HasPrefix(dir, "beyond/")})
	}
	return ds, nil
}

// Page is the file name of the design's page.
func (d *design) Page() string { return d.Name + ".html" }

var (
	cFileRef  = regexp.MustCompile(`\b((?:server|lib)/[A-Za-z0-9_]+\.c)\b`)
	seeFigure = regexp.MustCompile(`(?s)See UNPv1 3e,\s*(.*?)\s*\(`)
	bookPair  = regexp.MustCompile(`^server/serv(\d\d)[a-z]?\.c$`)
)

// readHead fills in what the design's main.go says about itself above and
// in its package doc.
func (d *design) readHead(main *goFile) {
	d.See, d.Doc = main.See, main.Doc
	if m := seeFigure.FindStringSubmatch(d.See); m != nil {
		d.Figures = strings.Join(strings.Fields(m[1]), " ")
	}
	d.CFiles = bookFiles(d.See)
	d.Summary = firstSentence(d.Doc)
	d.Cost = costSentence(d.Doc)
}

// bookFiles lists the book's files a See line names, in its order.
func bookFiles(see string) []string {
	var files []string
	seen := map[string]bool{}
	for _, m := range cFileRef.FindAllStringSubmatch(see, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			files = append(files, m[1])
		}
	}
	return files
}

// searchFiles is where the book's functions for this design are looked for
// first: the files its See line names, and the partners the book keeps
// beside each serv*.c (serv02.c's children are in child02.c, serv07.c's
// threads in pthread07.c), which a design beyond the book names only by
// the server it descends from.
func (d *design) searchFiles() []string {
	files := append([]string(nil), d.CFiles...)
	for _, f := range d.CFiles {
		if m := bookPair.FindStringSubmatch(f); m != nil {
			files = append(files, "server/child"+m[1]+".c", "server/pthread"+m[1]+".c")
		}
	}
	return files
}

// firstSentence is the first sentence of a paragraph of prose.
func firstSentence(text string) string {
	text = strings.Join(strings.Fields(firstParagraph(text)), " ")
	for i := 0; i < len(text); i++ {
		if text[i] != '.' || (i+1 < len(text) && text[i+1] != ' ') {
			continue
		}
		word := text[strings.LastIndexAny(text[:i], " (")+1 : i]
		switch word {
		case "e.g", "i.e", "Fig", "Figs", "cf", "vs", "etc":
			continue
		}
		return text[:i+1]
	}
	return text
}

func firstParagraph(text string) string {
	text = strings.TrimSpace(text)
	if i := strings.Index(text, "\n\n"); i >= 0 {
		return text[:i]
	}
	return text
}

// costSentence finds what a package doc says the design costs: the first
// sentence of its "Cost." paragraph, or else the first sentence that
// speaks of a cost.
func costSentence(doc string) string {
	paras := strings.Split(doc, "\n\n")
	for _, p := range paras {
		p = strings.TrimSpace(p)
		if rest, ok := strings.CutPrefix(p, "Cost."); ok {
			return firstSentence(rest)
		}
	}
	for _, p := range paras {
		if strings.HasPrefix(p, "\t") {
			continue // a code block
		}
		s := strings.Join(strings.Fields(p), " ")
		for s != "" {
			first := firstSentence(s)
			if strings.Contains(first, "cost") {
				return first
			}
			s = strings.TrimSpace(strings.TrimPrefix(s, first))
			if first == "" || s == first {
				break
			}
		}
	}
	return ""
}
