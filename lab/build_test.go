package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoot(t *testing.T) {
	root, err := Root()
	if os.Getenv("GOWORK") == "off" {
		t.Skipf("GOWORK=off: Root = %q, %v", root, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"go.work", "lab/go.mod"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Error(err)
		}
	}
	t.Setenv("GOWORK", "off")
	if root, err := Root(); err == nil || !strings.Contains(err.Error(), `GOWORK = "off"`) {
		t.Errorf("with GOWORK=off, Root = %q, %v", root, err)
	}
}

// TestBuild builds a module of one good and one broken program: the good
// one is built, the broken one named.
func TestBuild(t *testing.T) {
	t.Setenv("GOWORK", "off")
	dir, bin := t.TempDir(), t.TempDir()
	for name, text := range map[string]string{
		"go.mod":       "module example.com/m\n",
		"good/main.go": "package main\n\nfunc main() {}\n",
		"bad/main.go":  "package main\n\nfunc main() { undefined() }\n",
	} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	errs := Build(dir, bin, "./good", "./bad")
	if len(errs) != 1 || errs["./bad"] == nil {
		t.Fatalf("Build = %v, want ./bad alone", errs)
	}
	if msg := errs["./bad"].Error(); !strings.HasPrefix(msg, "exit status 1: ") {
		t.Errorf("the error says %q", msg)
	}
	if !strings.Contains(errs["./bad"].Output, "undefined: undefined") {
		t.Errorf("the output is %q", errs["./bad"].Output)
	}
	if _, err := os.Stat(filepath.Join(bin, "good")); err != nil {
		t.Error(err)
	}
	if errs := Build(dir, bin, "./good"); errs != nil {
		t.Errorf("Build(./good) = %v", errs)
	}
}
