package lab

import (
	"os"
	"os/exec"
	"testing"
)

func TestParsePss(t *testing.T) {
	rollup := []byte("55e0-7ffd ---p 00000000 00:00 0   [rollup]\nRss:   1744 kB\n" +
		"Pss:    201 kB\nPss_Dirty:   116 kB\n")
	if n, err := parsePss(rollup); err != nil || n != 201 {
		t.Fatalf("parsePss: %d, %v; want 201", n, err)
	}
	for _, bad := range []string{"Rss: 10 kB\n", "Pss: x kB\n", "Pss: 10 MB\n"} {
		if _, err := parsePss([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The tree of this test and a child it starts weighs more than this test
// alone, and counts both.
func TestTreePSS(t *testing.T) {
	self, err := PSS(os.Getpid())
	if err != nil || self <= 0 {
		t.Fatalf("PSS of this process: %d, %v", self, err)
	}
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep to start:", err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var tree int64
	var n int
	for range 100 { // until the child has exec'd and mapped its pages
		if tree, n, err = TreePSS(os.Getpid()); err != nil {
			t.Fatal(err)
		}
		if n == 2 && tree > self {
			return
		}
	}
	t.Fatalf("tree of this test and a child: %d kB in %d processes; this test alone %d kB",
		tree, n, self)
}
