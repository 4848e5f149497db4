package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"unp-go.dev/lab"
)

// The out-of-processes fault, for the process designs and serv06-thread:
// the server started again as an unprivileged user of its own (a uid no
// account and no process has, see privateUID; the kernel exempts root from
// RLIMIT_NPROC) under an RLIMIT_NPROC of -nproc tasks,
// then a flood of silent clients for -window. A Go process that cannot
// create a thread is ended by its runtime ("fatal error: newosproc"), so
// serv01 and serv06 bound their children or threads at start-up ("at most
// N clients at once") and leave the rest in the listen queue, and a pool
// must fit the limit (unp.PoolFits) or quit at once. No parent may die or
// spin (its own CPU over the flood, a fraction of a core), and once the
// clients leave it must serve a good client again.
//
// It runs only where torture is root, which it needs to change user; the
// server's program is copied where that user can run it, into a directory
// it can write its address file in. Changing user clears the server's
// PR_SET_PDEATHSIG: this one server does not die with torture, only with
// torture's clean-up.

// Bounds of the verdict on the process fault.
const (
	nprocMaxCPU     = 0.5 // of one core, the parent alone: forking is work, spinning is all of it
	nprocMaxRecover = 5 * time.Second
)

// nprocMu runs one process fault at a time: the limit counts every task
// of the user, and designs tortured in parallel would share it.
var nprocMu sync.Mutex

// privateUID returns a uid for the fault's server that no process on the
// machine runs as, so that the limit counts the server's tasks alone: the
// limit counts every task of the uid, and under a shared one (nobody, 65534)
// any daemon of that user would eat into it and make the fault fail. The
// testscript scenarios use fixed uids of their own (61001, 61006) for the
// same reason. The search starts at a point that depends on the pid, so two
// tortures at once are unlikely to pick the same one.
func privateUID() (string, error) {
	const first, n = 61100, 800
	for k := range n {
		uid := first + (os.Getpid()+k)%n
		if !uidInUse(uid) {
			return strconv.Itoa(uid), nil
		}
	}
	return "", fmt.Errorf("no uid free in %d-%d", first, first+n-1)
}

// uidInUse reports whether a process runs as uid, or an account has it.
func uidInUse(uid int) bool {
	if passwd, err := os.ReadFile("/etc/passwd"); err == nil {
		for _, line := range strings.Split(string(passwd), "\n") {
			if f := strings.Split(line, ":"); len(f) > 2 && f[2] == strconv.Itoa(uid) {
				return true
			}
		}
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		if fi, err := os.Stat(p); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == uid {
				return true
			}
		}
	}
	return false
}

// nprocFault is what the process fault measured.
type nprocFault struct {
	ran, skipped bool
	cpu          float64 // of one core, the parent alone
	recover      time.Duration
}

func (f nprocFault) String() string {
	switch {
	case f.skipped:
		return "skip"
	case !f.ran:
		return "-"
	}
	return fmt.Sprintf("%.0f%% %s", 100*f.cpu, seconds(f.recover))
}

// outOfProcs runs the process fault on a server of its own, and judges it.
func (r *run) outOfProcs(res *result) {
	if os.Geteuid() != 0 {
		res.nproc.skipped = true
		r.t.note("out of processes: skipped, torture is not root (RLIMIT_NPROC does not bind root)")
		return
	}
	nprocMu.Lock()
	defer nprocMu.Unlock()
	uid, err := privateUID()
	if err != nil {
		r.t.fail("out of processes", "%v", err)
		return
	}
	dir, err := r.nprocDir()
	if err != nil {
		r.t.fail("out of processes", "%v", err)
		return
	}
	if !r.cfg.keep && !strings.HasPrefix(dir, r.cfg.dir) {
		defer os.RemoveAll(dir)
	}
	bin, err := reachable(dir, r.cfg.bins[r.d.Program()])
	if err != nil {
		r.t.fail("out of processes", "%v", err)
		return
	}
	srv, err := startServer(bin, r.d.Name, r.d.args(r.cfg.pool), r.cfg.idle, dir,
		"setpriv", "--reuid="+uid, "--regid="+uid, "--clear-groups",
		"prlimit", fmt.Sprintf("--nproc=%d", r.cfg.nproc), "--")
	if err != nil {
		r.t.fail("out of processes", "start as uid %s, RLIMIT_NPROC %d: %v", uid, r.cfg.nproc, err)
		return
	}
	defer srv.kill()
	main := r.srv
	r.srv = srv // the helpers below talk to r.srv
	defer func() { r.srv = main }()

	conns := r.holdSilent(r.cfg.flood)
	cpu0, t0 := r.parentCPU(), time.Now()
	time.Sleep(r.cfg.window)
	res.nproc.cpu = (r.parentCPU() - cpu0).Seconds() / time.Since(t0).Seconds()
	for _, c := range conns {
		c.Close()
	}
	if !srv.Running() {
		r.t.fail("out of processes", "the server exited under the flood: %s", srv.Cmd.ProcessState)
		return
	}
	res.nproc.recover, res.nproc.ran = r.servedAgain(nprocMaxRecover), true
	r.crashed(srv.stderr())
	if res.nproc.cpu > nprocMaxCPU {
		r.t.fail("out of processes", "the parent used %.0f%% of a core under the flood, "+
			"want at most %.0f%%", 100*res.nproc.cpu, 100*nprocMaxCPU)
	}
	if res.nproc.recover >= nprocMaxRecover {
		r.t.fail("out of processes", "no good client served within %v after the flood left",
			nprocMaxRecover)
	}
}

func (r *run) parentCPU() time.Duration {
	t, _ := lab.CPUTime(r.srv.Pid())
	return t
}

// nprocDir is the directory for the server run as another user: in
// torture's own, if others can get there (MkdirTemp made it 0700: torture
// opens it to others for this), or else in /tmp (testscript's $TMPDIR is in
// a 0700 $WORK).
func (r *run) nprocDir() (string, error) {
	if err := os.Chmod(r.cfg.dir, 0o711); err != nil {
		return "", err
	}
	if othersReach(r.cfg.dir) {
		return filepath.Join(r.cfg.dir, r.d.Name+"-nproc"), nil
	}
	return os.MkdirTemp("/tmp", "torture-nproc-")
}

// othersReach reports whether every directory from / to dir lets others
// through.
func othersReach(dir string) bool {
	for ; ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if dir == filepath.Dir(dir) {
			return true
		}
	}
}

// reachable makes dir a place where any user can write the address
// file, and copies bin into it; it returns the copy.
func reachable(dir, bin string) (string, error) {
	if _, err := exec.LookPath("setpriv"); err != nil {
		return "", fmt.Errorf("setpriv (util-linux): %v", err)
	}
	if _, err := exec.LookPath("prlimit"); err != nil {
		return "", fmt.Errorf("prlimit (util-linux): %v", err)
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o777); err != nil { // past the umask
		return "", err
	}
	copy := filepath.Join(dir, filepath.Base(bin))
	return copy, copyFile(copy, bin)
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
