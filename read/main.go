// Read is the repository as a book to read: one web page per design, with
// each function's comment beside its code, Go by Example's way, and the book's
// C function of the same name beside the Go.
//
// A page opens with the design's package doc (the figure it ports, the
// design, its cost and how it fails) beside the design's numbers from the
// committed bench results. Then come the design's files, one declaration at a
// time: on the left the comment that explains it, in the middle the Go, and,
// given the book's source, on the right the C function the book has under the
// same name (child_main beside child_main, web_child beside Web_child,
// my_lock_wait beside My_lock_wait), with the file and line it came from.
// Paragraphs that say where the port departs from the book (Departure:) are
// marked, and every name the code takes from package unp links to its
// definition on the unp page, which is built the same way. The index lists
// the designs in the book's order, then those beyond the book, each with the
// first sentence of its package doc and the sentence that gives its cost.
//
// The numbers are what the bench committed, never measured here: every
// chart of bench/*.svg that has the design in it, with the machine it names
// and the commit that last changed it, and the design's rows of the Figure
// 30.1 table in bench/README.md with the lines that say where and at which
// commit it ran (numbers.go gathers them, in one place).
//
// The designs are the program directories of the one list of designs,
// lab.Designs, in its order. The book's files a design ports come from its
// "See UNPv1 3e, ... (server/serv03.c, server/child03.c)" line; those of
// unp's files from the table in unp's package doc.
//
// Usage:
//
//	go run ./read [-book DIR] [-o DIR | -http ADDR]
//
// -book names a checkout of the book's source (the authors' unpbook/unpv13e
// repository on GitHub), whose server/ and lib/ are read when the site is
// built; the C is never copied into this repository. Without it, each page
// says where to get the source and which figures and files it ports.
// -o writes the site to a directory (default read/site under the repository
// root); -http serves it instead, e.g. -http :8080.
//
// Three tools do the work, each for what it does well. Go's own go/parser
// and go/ast read the Go: they know where a declaration and its doc comment
// begin and end, which comment stands on a line of its own, and which
// identifiers are unp's, so the split into comment and code and the links
// come from the syntax tree, not from guessing at text. Chroma
// (github.com/alecthomas/chroma/v2) colours the Go and the C: it tokenises
// both languages, and the page writes its tokens itself so that a link can
// sit on an identifier. Goldmark (github.com/yuin/goldmark) renders the
// prose: the comments here are Go doc comments whose indented blocks,
// lists and `code` spans Markdown reads the same way, and the bench's
// committed tables are Markdown already.
//
// The pages are plain HTML and one style sheet: no JavaScript. On a wide
// screen the columns stand side by side; on a phone they stack, comment
// above code above C.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
)

func main() {
	book := flag.String("book", "", "the book's source `DIR` (a checkout of unpbook/unpv13e)")
	out := flag.String("o", "", "write the site to `DIR` (default read/site in the repository)")
	addr := flag.String("http", "", "serve the site on `ADDR` (e.g. :8080) instead of writing it")
	rootFlag := flag.String("root", "", "the repository root `DIR` (default: found from the "+
		"working directory)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: read [-book DIR] [-o DIR | -http ADDR] [-root DIR]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 0 || (*out != "" && *addr != "") {
		flag.Usage()
		os.Exit(2)
	}

	root := *rootFlag
	if root == "" {
		var err error
		if root, err = findRoot(); err != nil {
			fmt.Fprintln(os.Stderr, "read:", err)
			os.Exit(1)
		}
	}
	site, err := build(root, *book)
	if err != nil {
		fmt.Fprintln(os.Stderr, "read:", err)
		os.Exit(1)
	}

	if *addr != "" {
		fmt.Printf("serving %d pages on http://%s/\n", len(site.pages()), hostPort(*addr))
		err := http.ListenAndServe(*addr, site)
		fmt.Fprintln(os.Stderr, "read:", err)
		os.Exit(1)
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(root, "read", "site")
	}
	if err := site.write(dir); err != nil {
		fmt.Fprintln(os.Stderr, "read:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d pages to %s; open %s\n", len(site.pages()), dir,
		filepath.Join(dir, "index.html"))
}

// hostPort makes ":8080" a URL a terminal can open.
func hostPort(addr string) string {
	if len(addr) > 0 && addr[0] == ':' {
		return "localhost" + addr
	}
	return addr
}

// findRoot walks up from the working directory to the repository root: the
// directory holding go.work and unp/.
func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the repository: %w", err)
	}
	for {
		if isRoot(dir) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the repository (no go.work beside unp/); " +
				"run from it or give -root")
		}
		dir = parent
	}
}

func isRoot(dir string) bool {
	_, err1 := os.Stat(filepath.Join(dir, "go.work"))
	_, err2 := os.Stat(filepath.Join(dir, "unp", "unp.go"))
	return err1 == nil && err2 == nil
}
