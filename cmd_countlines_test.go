package unpgo

import (
	"regexp"
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() { commands["countlines"] = countlines }

// countlines [-stderr] MIN MAX REGEXP counts the lines of the last
// command's stdout (or stderr) that match REGEXP and fails unless there are
// from MIN to MAX of them. Where testscript's
// -count wants an exact number, this bounds one: a server that backs off
// writes a line or two while it is out of descriptors, one that spins
// writes thousands. It writes nothing, so that stdout and stderr stay
// those of the command before it.
func countlines(ts *testscript.TestScript, neg bool, args []string) {
	file := "stdout"
	if len(args) > 0 && args[0] == "-stderr" {
		file, args = "stderr", args[1:]
	}
	if neg || len(args) != 3 {
		ts.Fatalf("usage: countlines [-stderr] MIN MAX REGEXP")
	}
	lo, err := strconv.Atoi(args[0])
	ts.Check(err)
	hi, err := strconv.Atoi(args[1])
	ts.Check(err)
	re, err := regexp.Compile(`(?m)` + args[2])
	ts.Check(err)
	n := len(re.FindAllStringIndex(ts.ReadFile(file), -1))
	ts.Logf("%d lines match", n) // not on stdout, which the next check may still read
	if n < lo || n > hi {
		ts.Fatalf("%d lines of %s match %q, want %d to %d", n, file, args[2], lo, hi)
	}
}
