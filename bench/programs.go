package main

// Finding the programs a run needs: built from the repository, taken from
// -bin DIR, or looked up on PATH.

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"unp-go.dev/lab"
	"unp-go.dev/unp"
)

// experiment is the build tag of the -runtime rows (unp/sched_off.go), and
// the directory their programs go in, beside the others: a name
// "noschedpoint/serv02-prefork" is serv02-prefork built with the tag.
const experiment = "noschedpoint"

// programs finds or builds the programs: from -bin DIR; else built from
// the repository above the working directory; else from PATH (a program
// built with the experiment's tag in the directory "noschedpoint" beside
// the one found). A program that cannot be found or built gets no path,
// and a note saying why.
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
		tagged, base := strings.HasPrefix(name, experiment+"/"), filepath.Base(name)
		p := filepath.Join(dir, base)
		if dir == "" {
			p, _ = exec.LookPath(base)
		}
		if tagged && p != "" {
			p = filepath.Join(filepath.Dir(p), experiment, base)
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
	var pkgs, tagged []string
	for _, n := range names {
		if d, ok := strings.CutPrefix(n, experiment+"/"); ok {
			tagged = append(tagged, "./"+d)
		} else {
			pkgs = append(pkgs, "./"+n)
		}
	}
	errs := map[string]*lab.BuildError{}
	maps.Copy(errs, lab.Build(root, tmp, pkgs...))
	if len(tagged) > 0 {
		maps.Copy(errs, lab.BuildTagged(root, filepath.Join(tmp, experiment), experiment, tagged...))
	}
	paths := map[string]string{}
	var notes []string
	for _, n := range names {
		d, tag := strings.CutPrefix(n, experiment+"/")
		if err := errs["./"+d]; err != nil {
			notes = append(notes, fmt.Sprintf("%s: does not build: %v", n, err))
			unp.Err_msg("%s", notes[len(notes)-1])
		}
		p := filepath.Join(tmp, filepath.Base(n))
		if tag {
			p = filepath.Join(tmp, experiment, filepath.Base(n))
		}
		if fileExists(p) {
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
