package unpgo

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() { commands["sumcounts"] = sumcounts }

// sumcounts KIND N SUM checks the per-worker lines a pooled server prints
// on SIGINT, in the last command's stdout: exactly N lines
// "KIND I, C connections" (KIND is thread or child), I running from 0 to
// N-1, whose counts C add up to SUM. It prints "N KINDs, SUM connections".
func sumcounts(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: sumcounts KIND N SUM")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	want, err := strconv.Atoi(args[2])
	ts.Check(err)
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(args[0]) + ` (\d+), (\d+) connections$`)
	lines := re.FindAllStringSubmatch(ts.ReadFile("stdout"), -1)
	if len(lines) != n {
		ts.Fatalf("%d lines %q, want %d", len(lines), args[0]+" I, N connections", n)
	}
	sum := 0
	for i, l := range lines {
		if l[1] != strconv.Itoa(i) {
			ts.Fatalf("line %d names %s %s", i, args[0], l[1])
		}
		c, _ := strconv.Atoi(l[2])
		sum += c
	}
	if sum != want {
		ts.Fatalf("counts sum to %d, want %d", sum, want)
	}
	fmt.Fprintf(ts.Stdout(), "%d %ss, %d connections\n", n, args[0], sum)
}
