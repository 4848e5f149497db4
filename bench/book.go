package main

// -book DIR: the book's C beside the Go, from the book's own source.
//
// DIR is a checkout of the authors' public source, unpv13e (github.com/
// unpbook/unpv13e). The bench copies it into a cache of its own (DIR may be
// read-only, and is never written), runs its configure, builds the book's
// library from the objects configure chose, and links the chapter's client
// and servers from server/: serv02m and serv03m with the book's meter, so
// that they print per-child counts too; serv04m, which the book does not
// have, from serv03m's sources with lock_pthread.c in place of
// lock_fcntl.c (serv04.c differs from serv03.c only in its usage line and
// a lock path that lock_pthread.c ignores, child04.c not at all), so that
// the mutex row prints its counts as well; serv02l from serv02.c with
// child02l.c, the select-collision experiment of section 30.6; the thread
// servers with server/readline.c, a byte per read. (server/ also has a
// buffered thread-safe readline_r.c, but it needs web_child_r.c in place
// of the web_child.c every C row links; readline.c has the library's
// interface.)
// Only the C compiler is needed (cc, or the one configure finds); the
// book's per-directory Makefiles are not, since not every copy has them.
//
// The build is reused until DIR changes (the key is every file's name, size
// and modification time). A step that fails says which, and where its log
// is, and the bench runs nothing.

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// bookRecipe is bumped when the way the C is built changes, so that a
// cached build of the old recipe is not reused.
const bookRecipe = "2"

// A cProgram is one program of the book's server/ directory.
type cProgram struct {
	name    string   // the binary
	sources []string // in server/, linked with the book's library
	row     string   // the table's row name, "C serv05"; "" for the client
	pooled  bool     // takes #children or #threads
}

var cPrograms = []cProgram{
	{"client", []string{"client.c"}, "", false},
	{"serv00", []string{"serv00.c", "web_child.c", "pr_cpu_time.c"}, "C serv00", false},
	{"serv01", []string{"serv01.c", "web_child.c", "pr_cpu_time.c", "sig_chld_waitpid.c"},
		"C serv01", false},
	{"serv02m", []string{"serv02m.c", "child02m.c", "meter.c", "web_child.c", "pr_cpu_time.c"},
		"C serv02", true},
	{"serv02l", []string{"serv02.c", "child02l.c", "web_child.c", "pr_cpu_time.c"},
		"C serv02l", true},
	{"serv03m", []string{"serv03m.c", "child03m.c", "lock_fcntl.c", "meter.c", "web_child.c",
		"pr_cpu_time.c"}, "C serv03", true},
	{"serv04m", []string{"serv03m.c", "child03m.c", "lock_pthread.c", "meter.c", "web_child.c",
		"pr_cpu_time.c"}, "C serv04", true},
	{"serv05", []string{"serv05.c", "child05.c", "web_child.c", "pr_cpu_time.c"}, "C serv05", true},
	{"serv06", []string{"serv06.c", "web_child.c", "pr_cpu_time.c", "readline.c"}, "C serv06", false},
	{"serv07", []string{"serv07.c", "pthread07.c", "web_child.c", "pr_cpu_time.c", "readline.c"},
		"C serv07", true},
	{"serv08", []string{"serv08.c", "pthread08.c", "web_child.c", "pr_cpu_time.c", "readline.c"},
		"C serv08", true},
}

// bookBuild builds the book's programs from dir, or finds them built, and
// returns the directory that holds them.
func bookBuild(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for _, f := range []string{"configure", "lib/unp.h", "server/serv00.c", "server/client.c"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return "", fmt.Errorf("%s does not look like the book's source (unpv13e): no %s", dir, f)
		}
	}
	key, err := bookKey(dir)
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	out := filepath.Join(cache, "unp-go", "book-"+key)
	if _, err := os.Stat(filepath.Join(out, "bin", "done")); err == nil {
		return filepath.Join(out, "bin"), nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	work, err := os.MkdirTemp(filepath.Dir(out), "building-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	logPath := filepath.Join(filepath.Dir(out), "book-"+key+".log")
	if err := bookSteps(dir, work, logPath); err != nil {
		return "", err
	}
	os.RemoveAll(out)
	if err := os.Rename(work, out); err != nil {
		return "", err
	}
	return filepath.Join(out, "bin"), nil
}

// bookKey names a state of dir: every file's path, size and time.
func bookKey(dir string) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, bookRecipe)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintln(h, p, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	return fmt.Sprintf("%x", h.Sum(nil))[:16], err
}

// bookSteps copies dir into work/src and builds into work/bin, logging
// every step into logPath.
func bookSteps(dir, work, logPath string) error {
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	src, bin := filepath.Join(work, "src"), filepath.Join(work, "bin")
	step := func(what, in string, argv ...string) error {
		fmt.Fprintf(logf, "== %s: (cd %s && %s)\n", what, in, strings.Join(argv, " "))
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir, cmd.Stdout, cmd.Stderr = in, logf, logf
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building the book's C: %s failed (%v); its log is %s", what, err, logPath)
		}
		return nil
	}
	if err := copyTree(dir, src); err != nil {
		return fmt.Errorf("building the book's C: copying %s: %w", dir, err)
	}
	if err := step("configure", src, "sh", "./configure"); err != nil {
		return err
	}
	defs, err := os.ReadFile(filepath.Join(src, "Make.defines"))
	if err != nil {
		return fmt.Errorf("building the book's C: configure wrote no Make.defines; its log is %s", logPath)
	}
	vars := makeVars(string(defs))
	cc := vars["CC"]
	if cc == "" {
		cc = "cc"
	}
	if _, err := exec.LookPath(cc); err != nil {
		return fmt.Errorf("building the book's C: no C compiler %q (install gcc)", cc)
	}
	cflags := append(strings.Fields(vars["CFLAGS"]), "-w") // the 1990s code warns a lot
	var objs []string
	for _, lib := range []struct{ dir, list string }{{"lib", "LIB_OBJS"}, {"libfree", "LIBFREE_OBJS"}} {
		for _, o := range strings.Fields(vars[lib.list]) {
			c := strings.TrimSuffix(o, ".o") + ".c"
			args := append([]string{cc}, cflags...)
			if err := step("compiling "+lib.dir+"/"+c, filepath.Join(src, lib.dir),
				append(args, "-c", c, "-o", o)...); err != nil {
				return err
			}
			objs = append(objs, filepath.Join(src, lib.dir, o))
		}
	}
	libunp := filepath.Join(src, "libunp.a")
	if err := step("archiving libunp.a", src, append([]string{"ar", "rcs", libunp}, objs...)...); err != nil {
		return err
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	for _, p := range cPrograms {
		args := append([]string{cc}, cflags...)
		args = append(args, "-o", filepath.Join(bin, p.name))
		args = append(args, p.sources...)
		args = append(args, libunp, "-lpthread")
		if err := step("linking server/"+p.name, filepath.Join(src, "server"), args...); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(bin, "done"), nil, 0o644)
}

// makeVars reads the NAME = VALUE lines of a Makefile fragment.
func makeVars(text string) map[string]string {
	vars := map[string]string{}
	for line := range strings.Lines(text) {
		k, v, ok := strings.Cut(line, "=")
		if ok && !strings.HasPrefix(line, "#") && !strings.ContainsAny(k, "\t:") {
			vars[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return vars
}

// copyTree copies the files of dir into to, writable, without .git.
func copyTree(dir, to string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		dst := filepath.Join(to, rel)
		switch {
		case d.IsDir() && d.Name() == ".git":
			return filepath.SkipDir
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, info.Mode().Perm()|0o600)
	})
}

// bookServers are the -server rows of the book's programs in bin, with n
// children or threads for the pooled ones.
func bookServers(bin string, n int) []target {
	var out []target
	for _, p := range cPrograms {
		if p.row == "" {
			continue
		}
		argv := []string{filepath.Join(bin, p.name), "127.0.0.1", "{port}"}
		if p.pooled {
			argv = append(argv, strconv.Itoa(n))
		}
		out = append(out, target{Name: p.row, Row: designRow(p.row),
			Desc: strings.Join(argv, " "), External: true, Argv: argv, Pooled: p.pooled})
	}
	return out
}
