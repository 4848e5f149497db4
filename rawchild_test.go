package unpgo

import (
	"fmt"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The -fork mode's children (unp/rawfork.go) must never enter the Go
// runtime. TestRawChild proves it of the built servers, from their machine
// code: go tool objdump disassembles every function the child can reach,
// and the test fails if one of them calls or refers to anything in package
// runtime (morestack, a write barrier, mallocgc, a bounds-check panic),
// checks its stack, or calls indirectly, which no disassembly can follow.

// rawRoot is where a raw child begins, returning from clone.
const rawRoot = "unp-go.dev/unp.rawChildMain"

// rawDumped are the functions objdump is asked for: the child's, and the
// raw system call underneath. A call to anything else fails the test as
// not examined: widen this only after reading what it calls.
const rawDumped = `^(unp-go\.dev/unp\.raw|syscall\.RawSyscall6$|internal/runtime/syscall/linux\.Syscall6$|unp-go\.dev/unp\.Err_msg$)`

func TestRawChild(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the prologue and call patterns below are amd64's")
	}
	for _, prog := range []string{"serv01-fork", "serv02-prefork", "serv03-flock",
		"serv04-mutex", "serv05-fdpass"} {
		t.Run(prog, func(t *testing.T) {
			funcs := objdump(t, prog)
			if _, ok := funcs[rawRoot]; !ok {
				t.Fatalf("%s has no %s: not built with -fork?", prog, rawRoot)
			}
			reached, problems := rawReach(funcs, rawRoot)
			for _, p := range problems {
				t.Error(p)
			}
			if len(problems) == 0 {
				t.Logf("%d functions reachable from the raw child, none entering the runtime", len(reached))
			}
			// The check can fail: a function known to need the runtime fails it.
			if _, bad := rawReach(funcs, "unp-go.dev/unp.Err_msg"); len(bad) < 2 {
				t.Errorf("Err_msg passed the check (%q): the check is broken", bad)
			}
		})
	}
}

// objdump disassembles prog's functions matching rawDumped, by name.
func objdump(t *testing.T, prog string) map[string][]string {
	path, err := exec.LookPath(prog)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "tool", "objdump", "-s", rawDumped, path).Output()
	if err != nil {
		t.Fatalf("go tool objdump %s: %v", prog, err)
	}
	funcs := map[string][]string{}
	var name string
	for line := range strings.Lines(string(out)) {
		if f, ok := strings.CutPrefix(line, "TEXT "); ok {
			name, _, _ = strings.Cut(f, "(SB)")
			continue
		}
		if name != "" {
			funcs[name] = append(funcs[name], line)
		}
	}
	return funcs
}

var (
	// A split function's prologue compares SP, or SP less its frame, with
	// the goroutine's stack guard, g.stackguard0, 0x10 past the g that R14
	// holds in Go's ABI: "CMPQ SP, 0x10(R14)" or "CMPQ R12, 0x10(R14)",
	// then JBE to a CALL runtime.morestack_noctxt.
	stackCheck = regexp.MustCompile(`\bCMPQ\s+\S+,\s+0x10\(R14\)`)
	// A direct call or jump to a function: "CALL pkg.name(SB)".
	direct = regexp.MustCompile(`\b(CALL|JMP)\s+([^\s(]+)\(SB\)`)
	// Any call, direct or not.
	anyCall = regexp.MustCompile(`\bCALL\s`)
)

// rawReach walks every function reachable from root by direct calls and
// jumps and returns them, with a line for each rule broken.
func rawReach(funcs map[string][]string, root string) (reached []string, problems []string) {
	seen := map[string]bool{root: true}
	for todo := []string{root}; len(todo) > 0; {
		name := todo[0]
		todo = todo[1:]
		reached = append(reached, name)
		body, ok := funcs[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: reachable but not examined (not in rawDumped)", name))
			continue
		}
		for _, ins := range body {
			ins = strings.Join(strings.Fields(ins), " ")
			if stackCheck.MatchString(ins) {
				problems = append(problems, fmt.Sprintf("%s: checks its stack: %s", name, ins))
			}
			if strings.Contains(ins, " runtime.") {
				problems = append(problems, fmt.Sprintf("%s: enters the runtime: %s", name, ins))
				continue
			}
			m := direct.FindStringSubmatch(ins)
			if m == nil {
				if anyCall.MatchString(ins) {
					problems = append(problems, fmt.Sprintf("%s: calls indirectly: %s", name, ins))
				}
				continue
			}
			if callee := m[2]; !seen[callee] {
				seen[callee] = true
				todo = append(todo, callee)
			}
		}
	}
	slices.Sort(reached)
	return reached, problems
}
