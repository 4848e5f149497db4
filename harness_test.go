// The testscript harness: every scenario in testdata/script runs the real
// programs, built once by TestMain, against each other on 127.0.0.1.
package unpgo

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"unp-go.dev/lab"
)

// commands are the scenario commands beyond testscript's own. Each
// cmd_*_test.go file adds its own in an init function.
var commands = map[string]func(ts *testscript.TestScript, neg bool, args []string){}

// TestMain builds every main package of the workspace (the servers, the
// client, daytime, ...) into one temporary directory and puts it first on
// PATH, so that scenarios exec the programs a user would run.
func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	bin, err := os.MkdirTemp("", "unp-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(bin)
	// Scenarios run some servers as an unprivileged user (setpriv), which
	// must be able to reach the programs, and the work directories.
	if err := os.Chmod(bin, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if workRoot, err = os.MkdirTemp("", "unp-work-"); err == nil {
		defer os.RemoveAll(workRoot)
		err = os.Chmod(workRoot, 0o711)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	out, err := exec.Command("go", "list", "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`, "work").Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go list work: %v\n", err)
		return 1
	}
	// One broken program fails TestBuild and its own scenarios, not every
	// scenario (lab.Build builds one by one if all at once fails).
	mains := strings.Fields(string(out))
	errs := lab.Build(".", bin, mains...)
	for _, pkg := range mains {
		if e := errs[pkg]; e != nil {
			buildErrors = append(buildErrors, fmt.Sprintf("%s: %v\n%s", pkg, e.Err, e.Output))
		}
	}
	// The process designs again, built as the bench's -runtime rows are
	// (unp/sched_off.go), where the bench looks for them beside the others.
	var procs []string
	for _, d := range lab.Designs {
		if d.Forks && !slices.Contains(procs, "./"+d.Dir) {
			procs = append(procs, "./"+d.Dir)
		}
	}
	for pkg, e := range lab.BuildTagged(".", filepath.Join(bin, "noschedpoint"), "noschedpoint", procs...) {
		buildErrors = append(buildErrors, fmt.Sprintf("%s -tags noschedpoint: %v\n%s", pkg, e.Err, e.Output))
	}
	os.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return m.Run()
}

// poll calls cond every 10 ms until it returns true or limit has passed,
// and reports whether it did. The scenario commands wait for a state of the
// programs this way, by looking, never for a fixed time.
func poll(limit time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(limit); ; time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// buildErrors holds what TestMain could not build.
var buildErrors []string

// workRoot holds the scenarios' work directories: traversable by anyone, so
// that a scenario can chmod its own $WORK for an unprivileged server.
var workRoot string

// TestBuild fails if any program of the workspace did not build.
func TestBuild(t *testing.T) {
	for _, e := range buildErrors {
		t.Error(e)
	}
}

// TestScripts runs testdata/script/*.txtar, one scenario per file. Each
// run of it (go test -count=N runs it N times in one process) gets work
// directories of its own: testscript names a scenario's directory after
// the scenario, and a second run in the first one's would find the address
// file a server of the first run left there.
func TestScripts(t *testing.T) {
	watchSources(t)
	root, err := os.MkdirTemp(workRoot, "run-")
	if err == nil {
		err = os.Chmod(root, 0o711)
	}
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		Cmds:                commands,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		WorkdirRoot:         root,
		Condition:           condition,
	})
}

// condition answers the scenarios' own conditions: [root] is true when the
// tests run as root, who can start a server as another user and whom the
// kernel exempts from RLIMIT_NPROC.
func condition(cond string) (bool, error) {
	if cond == "root" {
		return os.Geteuid() == 0, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// watchSources stats every source file of the workspace. The go command
// caches a test's result keyed on the test binary and on the files the test
// looked at, and the binaries built in TestMain are invisible to it; looking
// at their sources here makes a change to any program re-run the scenarios.
func watchSources(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if n := d.Name(); strings.HasSuffix(n, ".go") || n == "go.mod" || n == "go.sum" || n == "go.work" {
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
