package lab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Root is the directory of the unp-go workspace the go command would build
// in from the working directory: that of its go.work (go env GOWORK, which
// follows $GOWORK, or else looks up from the working directory), provided
// it holds this module, lab.
func Root() (string, error) {
	out, err := exec.Command("go", "env", "GOWORK").Output()
	gowork := strings.TrimSpace(string(out))
	if err != nil || gowork == "" || gowork == "off" {
		return "", fmt.Errorf("not in the unp-go workspace (go env GOWORK = %q)", gowork)
	}
	root := filepath.Dir(gowork)
	if _, err := os.Stat(filepath.Join(root, "lab", "go.mod")); err != nil {
		return "", fmt.Errorf("not in the unp-go workspace (%s has no lab module)", gowork)
	}
	return root, nil
}

// A BuildError is the go command's failure to build one package.
type BuildError struct {
	Err    error  // how the go command ended
	Output string // what it printed
}

// Error is the go command's status and the first line it printed.
func (e *BuildError) Error() string {
	line, _, _ := strings.Cut(strings.TrimSpace(e.Output), "\n")
	return fmt.Sprintf("%v: %s", e.Err, line)
}

// Build runs go build in dir for pkgs (import paths or ./dir patterns),
// writing the programs into bin. It builds them all at once, and if that
// fails, one by one, so that one broken program fails alone. It returns
// the failures by package as given, or nil.
func Build(dir, bin string, pkgs ...string) map[string]*BuildError {
	return BuildTagged(dir, bin, "", pkgs...)
}

// BuildTagged is Build with build tags (go build -tags), "" for none.
func BuildTagged(dir, bin, tags string, pkgs ...string) map[string]*BuildError {
	if goBuild(dir, bin, tags, pkgs...) == nil {
		return nil
	}
	var errs map[string]*BuildError
	for _, pkg := range pkgs {
		if err := goBuild(dir, bin, tags, pkg); err != nil {
			if errs == nil {
				errs = map[string]*BuildError{}
			}
			errs[pkg] = err
		}
	}
	return errs
}

func goBuild(dir, bin, tags string, pkgs ...string) *BuildError {
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.Command("go", append(args, pkgs...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return &BuildError{err, string(out)}
	}
	return nil
}
