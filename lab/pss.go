package lab

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// PSS is process pid's proportional set size in kB: the Pss line of
// /proc/PID/smaps_rollup (Linux 4.14), which counts each page the process
// maps divided by the number of processes that map it. Summed over a
// server's processes, PSS counts a page shared by all of them (the
// program's text, a shared mapping) once, where RSS would count it in
// every child; that is what makes memory per process comparable between a
// design of one process and one of a thousand.
func PSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, err
	}
	return parsePss(b)
}

// parsePss finds the "Pss:   N kB" line of an smaps_rollup.
func parsePss(b []byte) (int64, error) {
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte("Pss:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) != 2 || string(f[1]) != "kB" {
			break
		}
		return strconv.ParseInt(string(f[0]), 10, 64)
	}
	return 0, fmt.Errorf("no \"Pss: N kB\" line in smaps_rollup")
}

// TreePSS is the PSS, in kB, of process root and every process descended
// from it (children, their children, ...), and how many processes that
// was. A process that exits while it is read is left out; root itself
// must be readable.
func TreePSS(root int) (kB int64, procs int, err error) {
	if kB, err = PSS(root); err != nil {
		return 0, 0, err
	}
	kids := map[int][]int{}
	for _, p := range Procs() {
		kids[p.PPid] = append(kids[p.PPid], p.Pid)
	}
	procs = 1
	for todo := kids[root]; len(todo) > 0; {
		pid := todo[len(todo)-1]
		todo = append(todo[:len(todo)-1], kids[pid]...)
		if n, err := PSS(pid); err == nil {
			kB += n
			procs++
		}
	}
	return kB, procs, nil
}
