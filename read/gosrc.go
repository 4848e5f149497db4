package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// A goFile is one Go source file cut into blocks, one per top-level
// declaration, each cut into rows of comment and code.
type goFile struct {
	Name   string // "child.go"
	Path   string // from the root: "serv03-flock/child.go"
	See    string // the comment above the package doc ("See UNPv1 3e, ...")
	Doc    string // the package doc
	Blocks []*block

	src   string
	fset  *token.FileSet
	ast   *ast.File
	links map[int]string // byte offset of an identifier -> where it links
}

// A block is one declaration with the comments before it.
type block struct {
	IDs    []string // anchors on the page: "child_main", "Lock", "Rline.Readline"
	Name   string   // what the book may call it: the function's, method's or type's name
	Method bool
	Rows   []*row
	Book   []*cFunc // the book's functions of the same name, when -book is given
	Wanted bool     // named in the book's casing: the book should have it
}

// A row is a comment and the code it explains, Go by Example's unit.
type row struct {
	Doc      string // the comment's text, markers stripped
	From, To int    // the code's byte offsets in the file; From == To: no code
}

// parseGo reads the non-test Go files of dir (relative to root), main.go
// first.
func parseGo(root, dir string) ([]*goFile, error) {
	names, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
	if err != nil {
		return nil, err
	}
	sort.Slice(names, func(i, j int) bool {
		mi, mj := filepath.Base(names[i]) == "main.go", filepath.Base(names[j]) == "main.go"
		if mi != mj {
			return mi
		}
		return names[i] < names[j]
	})
	var files []*goFile
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parseGoFile(name, dir+"/"+filepath.Base(name))
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no Go files", dir)
	}
	return files, nil
}

func parseGoFile(path, rel string) (*goFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the Go: %w", err)
	}
	fset := token.NewFileSet()
	af, err := parser.ParseFile(fset, path, data, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("parsing the Go: %w", err)
	}
	f := &goFile{Name: filepath.Base(path), Path: rel, src: string(data), fset: fset, ast: af}
	f.cut()
	return f, nil
}

// isDirective reports whether a // comment is a directive (//go:build,
// //go:debug, //line), which is code to the compiler, not prose.
func isDirective(c *ast.Comment) bool {
	t := c.Text
	return strings.HasPrefix(t, "//go:") || strings.HasPrefix(t, "//line ") ||
		strings.HasPrefix(t, "//export ")
}

// cut splits the file into the header (the comments above the package
// clause) and a block per declaration.
func (f *goFile) cut() {
	offset := func(p token.Pos) int { return f.fset.Position(p).Offset }
	line := func(p token.Pos) int { return f.fset.Position(p).Line }
	lines := strings.SplitAfter(f.src, "\n")
	starts := make([]int, len(lines)+2) // starts[l]: offset of line l (1-based)
	for i, at := 0, 0; i < len(lines); i++ {
		starts[i+1] = at
		at += len(lines[i])
	}
	starts[len(lines)+1] = len(f.src)
	lineText := func(l int) string { return strings.TrimRight(lines[l-1], "\n") }

	// Which lines are prose: comments that stand on lines of their own,
	// except cgo's preamble, which is C.
	prose := map[int]string{}
	pkgLine := line(f.ast.Package)
	var directives []int
	preamble := cgoPreamble(f.ast)
	for _, cg := range f.ast.Comments {
		if cg == preamble {
			continue
		}
		s, e := offset(cg.Pos()), offset(cg.End())
		ls, le := line(cg.Pos()), line(cg.End())
		if strings.TrimSpace(f.src[starts[ls]:s]) != "" ||
			strings.TrimSpace(f.src[e:starts[le+1]]) != "" {
			continue // ends a line of code: stays in the code
		}
		if ls < pkgLine {
			f.header(cg)
			for _, c := range cg.List {
				if isDirective(c) {
					directives = append(directives, line(c.Pos()))
				}
			}
			continue
		}
		for _, c := range cg.List {
			if isDirective(c) {
				continue
			}
			for i, t := range commentLines(c.Text) {
				prose[line(c.Pos())+i] = t
			}
		}
	}

	// A first block for the directives and package clause, where there
	// are directives: they change how the file builds.
	if len(directives) > 0 {
		b := &block{}
		for _, l := range append(directives, pkgLine) {
			b.Rows = append(b.Rows, &row{From: starts[l], To: starts[l+1] - 1})
		}
		f.Blocks = append(f.Blocks, b)
	}

	from := pkgLine + 1
	for i, decl := range f.ast.Decls {
		to := line(decl.End())
		if i == len(f.ast.Decls)-1 {
			to = len(lines) // trailing comments belong to the last block
		}
		b := newBlock(decl)
		b.Rows = cutRows(from, to, prose, lineText, starts)
		if len(b.Rows) > 0 {
			f.Blocks = append(f.Blocks, b)
		}
		from = to + 1
	}
}

// cgoPreamble is the comment above import "C": C code for cgo, not prose.
func cgoPreamble(af *ast.File) *ast.CommentGroup {
	for _, d := range af.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.IMPORT {
			continue
		}
		for _, s := range g.Specs {
			if s.(*ast.ImportSpec).Path.Value == `"C"` {
				if s.(*ast.ImportSpec).Doc != nil {
					return s.(*ast.ImportSpec).Doc
				}
				return g.Doc
			}
		}
	}
	return nil
}

// header keeps a comment above the package clause: the package doc, or
// the See line above it.
func (f *goFile) header(cg *ast.CommentGroup) {
	text := strings.TrimSpace(cg.Text()) // Text drops directives
	switch {
	case text == "":
	case cg == f.ast.Doc:
		f.Doc = text
	default:
		f.See = strings.TrimSpace(f.See + "\n\n" + text)
	}
}

// commentLines strips the markers from one comment: a // line, or each
// line of a /* */ block.
func commentLines(text string) []string {
	if t, ok := strings.CutPrefix(text, "//"); ok {
		return []string{strings.TrimPrefix(t, " ")}
	}
	t := strings.TrimSuffix(strings.TrimPrefix(text, "/*"), "*/")
	ls := strings.Split(t, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimPrefix(strings.TrimLeft(l, " \t"), "* ")
	}
	return ls
}

// cutRows cuts lines from..to into rows, Go by Example's way: a run of
// comment lines opens a row, and the code after it, up to the next comment
// line, is what it explains.
func cutRows(from, to int, prose map[int]string, text func(int) string, starts []int) []*row {
	var rows []*row
	var doc []string
	codeFrom, codeTo := 0, 0 // lines; 0: none yet
	flush := func() {
		for codeTo >= codeFrom && codeFrom > 0 && strings.TrimSpace(text(codeTo)) == "" {
			codeTo--
		}
		r := &row{Doc: strings.TrimSpace(strings.Join(doc, "\n"))}
		if codeFrom > 0 && codeTo >= codeFrom {
			r.From, r.To = starts[codeFrom], starts[codeTo+1]-1
		}
		if r.Doc != "" || r.From != r.To {
			rows = append(rows, r)
		}
		doc, codeFrom, codeTo = nil, 0, 0
	}
	for l := from; l <= to; l++ {
		t, isProse := prose[l]
		switch {
		case isProse:
			if codeFrom > 0 {
				flush()
			}
			doc = append(doc, t)
		case codeFrom == 0 && strings.TrimSpace(text(l)) == "":
			doc = append(doc, "") // between comments, or before any code
		default:
			if codeFrom == 0 {
				codeFrom = l
			}
			codeTo = l
		}
	}
	flush()
	return rows
}

// newBlock names a declaration's block.
func newBlock(decl ast.Decl) *block {
	b := &block{}
	switch d := decl.(type) {
	case *ast.FuncDecl:
		b.Name = d.Name.Name
		if t := recvType(d); t != "" {
			b.IDs = []string{t + "." + d.Name.Name}
			b.Method = true
		} else {
			b.IDs = []string{d.Name.Name}
		}
		b.Wanted = d.Name.Name == "main" || strings.Contains(d.Name.Name, "_")
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				if b.Name == "" {
					b.Name = s.Name.Name
				}
				b.IDs = append(b.IDs, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					if n.Name != "_" {
						b.IDs = append(b.IDs, n.Name)
					}
				}
			}
		}
	}
	return b
}

// recvType is the name of a method's receiver type, "" for a function.
func recvType(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return ""
	}
	t := d.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// A unpIndex is what the pages need to know of package unp to link to it.
type unpIndex struct {
	anchors map[string]bool            // ids on the unp page
	results map[string][]string        // function -> the unp types of its results
	methods map[string]map[string]bool // type -> its methods (an interface's too)
}

func newUnpIndex(files []*goFile) *unpIndex {
	idx := &unpIndex{anchors: map[string]bool{}, results: map[string][]string{},
		methods: map[string]map[string]bool{}}
	addMethod := func(t, m string) {
		if idx.methods[t] == nil {
			idx.methods[t] = map[string]bool{}
		}
		idx.methods[t][m] = true
	}
	for _, f := range files {
		for _, b := range f.Blocks {
			for _, id := range b.IDs {
				idx.anchors[id] = true
			}
		}
		for _, decl := range f.ast.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if t := recvType(d); t != "" {
					addMethod(t, d.Name.Name)
					continue
				}
				if d.Type.Results != nil {
					for _, r := range d.Type.Results.List {
						n := max(1, len(r.Names))
						for range n {
							idx.results[d.Name.Name] = append(idx.results[d.Name.Name],
								localType(r.Type))
						}
					}
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					ts, ok := s.(*ast.TypeSpec)
					if !ok {
						continue
					}
					if it, ok := ts.Type.(*ast.InterfaceType); ok {
						for _, m := range it.Methods.List {
							for _, n := range m.Names {
								addMethod(ts.Name.Name, n.Name)
							}
						}
					}
				}
			}
		}
	}
	return idx
}

// localType names the type an expression spells inside its own package
// (Lock, *Meter), "" for anything else.
func localType(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// unpType names the unp type an expression spells in a client
// (unp.Lock, *unp.Meter), "" for anything else.
func unpType(e ast.Expr, unpName string) string {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if sel, ok := e.(*ast.SelectorExpr); ok {
		if x, ok := sel.X.(*ast.Ident); ok && x.Name == unpName {
			return sel.Sel.Name
		}
	}
	return ""
}

// unpImport is the name under which a file imports package unp, "" if it
// does not.
func unpImport(af *ast.File) string {
	for _, im := range af.Imports {
		if strings.Trim(im.Path.Value, `"`) == "unp-go.dev/unp" {
			if im.Name != nil {
				return im.Name.Name
			}
			return "unp"
		}
	}
	return ""
}

// link finds the identifiers of a package's files that the page links:
// its own functions and types (to their blocks on the same page), and
// unp's names (to the unp page): unp.X, and x.M where x holds a unp type
// that has a method M.
func link(files []*goFile, idx *unpIndex, unpPage string) {
	local := map[string]bool{} // the package's functions and types
	for _, f := range files {
		for _, decl := range f.ast.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					local[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						local[ts.Name.Name] = true
					}
				}
			}
		}
	}
	delete(local, "main")
	delete(local, "init")
	for _, f := range files {
		f.links = map[int]string{}
		u := unpImport(f.ast)
		vars := unpVars(f.ast, u, idx)
		at := func(id *ast.Ident, href string) {
			f.links[f.fset.Position(id.Pos()).Offset] = href
		}
		var visit func(n ast.Node) bool
		visit = func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.SelectorExpr:
				if id, ok := x.X.(*ast.Ident); ok {
					switch {
					case u != "" && id.Name == u && idx.anchors[x.Sel.Name]:
						at(x.Sel, unpPage+"#"+x.Sel.Name)
					case vars[id.Name] != "" && idx.methods[vars[id.Name]][x.Sel.Name]:
						t := vars[id.Name]
						if idx.anchors[t+"."+x.Sel.Name] {
							at(x.Sel, unpPage+"#"+t+"."+x.Sel.Name)
						} else if idx.anchors[t] {
							at(x.Sel, unpPage+"#"+t)
						}
					}
				}
				ast.Inspect(x.X, visit)
				return false // the selected name is a field or method, not ours
			case *ast.Field:
				ast.Inspect(x.Type, visit)
				return false
			case *ast.KeyValueExpr:
				if _, ok := x.Key.(*ast.Ident); ok {
					ast.Inspect(x.Value, visit)
					return false
				}
			case *ast.FuncDecl:
				if x.Recv != nil {
					ast.Inspect(x.Recv, visit)
				}
				ast.Inspect(x.Type, visit)
				if x.Body != nil {
					ast.Inspect(x.Body, visit)
				}
				return false
			case *ast.TypeSpec:
				ast.Inspect(x.Type, visit)
				return false
			case *ast.Ident:
				if local[x.Name] && x.Obj == nil || local[x.Name] && x.Obj.Kind != ast.Var {
					at(x, "#"+x.Name)
				}
			}
			return true
		}
		for _, d := range f.ast.Decls {
			ast.Inspect(d, visit)
		}
	}
}

// unpVars maps the names of a file's variables, fields and parameters that
// hold a unp type to that type: the little type-checking the method links
// need, by name, not by scope.
func unpVars(af *ast.File, u string, idx *unpIndex) map[string]string {
	vars := map[string]string{}
	if u == "" {
		return vars
	}
	fromCall := func(lhs []ast.Expr, rhs []ast.Expr) {
		for i, r := range rhs {
			call, ok := r.(*ast.CallExpr)
			if !ok {
				continue
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				continue
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != u {
				continue
			}
			res := idx.results[sel.Sel.Name]
			for j, l := range lhs {
				id, ok := l.(*ast.Ident)
				k := j
				if len(rhs) > 1 {
					k = 0
					if j != i {
						continue
					}
				}
				if ok && k < len(res) && res[k] != "" && idx.methods[res[k]] != nil {
					vars[id.Name] = res[k]
				}
			}
		}
	}
	ast.Inspect(af, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.ValueSpec:
			if t := unpType(x.Type, u); t != "" {
				for _, id := range x.Names {
					vars[id.Name] = t
				}
			}
			lhs := make([]ast.Expr, len(x.Names))
			for i, id := range x.Names {
				lhs[i] = id
			}
			fromCall(lhs, x.Values)
		case *ast.AssignStmt:
			fromCall(x.Lhs, x.Rhs)
		case *ast.Field:
			if t := unpType(x.Type, u); t != "" {
				for _, id := range x.Names {
					vars[id.Name] = t
				}
			}
		}
		return true
	})
	return vars
}
