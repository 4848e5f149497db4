package main

// Finding the programs a run needs: built from the repository, taken from
// -bin DIR, or looked up on PATH.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"unp-go.dev/lab"
	"unp-go.dev/unp"
)

// programs finds or builds the programs: from -bin DIR; else built from
// the repository above the working directory; else from PATH. A program
// that cannot be found or built gets no path, and a note saying why.
func (c *config) programs(tmp string, names []string) (map[string]string, []string) {
	paths := map[string]string{}
	var notes []string
	dir := c.bin
	if dir == "" {
		if root, err := lab.Root(); err == nil {
			return build(tmp, root, names)
		}
		notes = append(notes, "no go.work above the working directory: programs from PATH")
		unp.Err_msg("%s", notes[0])
	}
	for _, name := range names {
		p := filepath.Join(dir, filepath.Base(name))
		if dir == "" {
			p, _ = exec.LookPath(filepath.Base(name))
		}
		if st, err := os.Stat(p); p == "" || err != nil || st.IsDir() {
			notes = append(notes, fmt.Sprintf("%s: not found", name))
			unp.Err_msg("%s: not found", name)
			continue
		}
		paths[name], _ = filepath.Abs(p)
	}
	return paths, notes
}

// build compiles the programs into tmp (see lab.Build): a design that
// does not build gets a note, and the others still run.
func build(tmp, root string, names []string) (map[string]string, []string) {
	unp.Err_msg("building %d programs in %s", len(names), root)
	pkgs := make([]string, len(names))
	for i, n := range names {
		pkgs[i] = "./" + n
	}
	errs := lab.Build(root, tmp, pkgs...)
	paths := map[string]string{}
	var notes []string
	for _, n := range names {
		if err := errs["./"+n]; err != nil {
			notes = append(notes, fmt.Sprintf("%s: does not build: %v", n, err))
			unp.Err_msg("%s", notes[len(notes)-1])
		}
		if p := filepath.Join(tmp, filepath.Base(n)); fileExists(p) {
			paths[n] = p
		}
	}
	return paths, notes
}

// resolve makes a program name absolute as a shell would find it: a path
// relative to the working directory, or a name looked up on PATH. It
// returns "" for a program that is not there.
func resolve(prog string) string {
	var p string
	if strings.ContainsRune(prog, '/') {
		p, _ = filepath.Abs(prog)
	} else {
		p, _ = exec.LookPath(prog)
	}
	if st, err := os.Stat(p); p == "" || err != nil || st.IsDir() {
		return ""
	}
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
