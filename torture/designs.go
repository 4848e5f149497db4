package main

import (
	"fmt"
	"path"
	"strings"

	"golang.org/x/sys/unix"
	"unp-go.dev/lab"
)

// A design is one server of chapter 30 (or beyond it), as far as torture
// needs to know it. One program may make two designs: serv10-epoll with
// and without -exclusive, serv11-netpoll with and without #threads.
type design struct {
	name       string   // the row's name: the program, then its flags
	pkg        string   // the program's directory in the workspace
	flags      []string // before the host and port
	pooled     bool     // takes #children or #threads after the port
	forks      bool     // serves from child processes, which torture kills
	perClient  bool     // one process or thread per client: no fixed pool
	unit       string   // the per-slot line of its SIGINT report: "child" or "thread"
	crowd      bool     // overload it with -crowd connections, not 10 × its pool
	threadEach bool     // a thread per client blocked at once (serv06)
	passes     bool     // the parent accepts and passes descriptors (serv05)
	polls      bool     // a child idle for a connection sleeps in epoll_wait, not accept
	ring       bool     // ... or in io_uring_enter
}

// designs are the nine servers, in the book's order, then those beyond it.
var designs = []design{
	{name: "serv00-iterative"},
	{name: "serv01-fork", forks: true, perClient: true},
	{name: "serv02-prefork", pooled: true, forks: true, unit: "child"},
	{name: "serv03-flock", pooled: true, forks: true, unit: "child"},
	{name: "serv04-mutex", pooled: true, forks: true, unit: "child"},
	{name: "serv05-fdpass", pooled: true, forks: true, unit: "child", passes: true},
	{name: "serv06-thread", perClient: true, crowd: true, threadEach: true},
	{name: "serv07-threadpool", pooled: true, unit: "thread"},
	{name: "serv08-mainaccept", pooled: true, unit: "thread"},
	{name: "serv09-reuseport", pkg: "beyond/serv09-reuseport", pooled: true, forks: true,
		unit: "child"},
	{name: "serv10-epoll", pkg: "beyond/serv10-epoll", pooled: true, forks: true, unit: "child",
		polls: true},
	{name: "serv10-epoll -exclusive", pkg: "beyond/serv10-epoll", flags: []string{"-exclusive"},
		pooled: true, forks: true, unit: "child", polls: true},
	{name: "serv11-netpoll", pkg: "beyond/serv11-netpoll", perClient: true, crowd: true},
	{name: "serv11-netpoll #threads", pkg: "beyond/serv11-netpoll", pooled: true, unit: "thread"},
	{name: "serv12-uring", pkg: "beyond/serv12-uring", pooled: true, forks: true, unit: "child",
		ring: true},
	{name: "serv12-uring -reuseport", pkg: "beyond/serv12-uring", flags: []string{"-reuseport"},
		pooled: true, forks: true, unit: "child", ring: true},
	{name: "serv13-upgrade", pkg: "beyond/serv13-upgrade", pooled: true, forks: true,
		unit: "child"},
}

// dir is the design's package directory in the workspace.
func (d design) dir() string {
	if d.pkg != "" {
		return d.pkg
	}
	return d.name
}

// slug is the design's name as a file name: "serv10-epoll-exclusive".
func (d design) slug() string {
	return strings.NewReplacer(" -", "-", " #", "-").Replace(d.name)
}

// program is the name of the design's executable.
func (d design) program() string { return path.Base(d.dir()) }

// args is the server's command line after its name.
func (d design) args(pool int) []string {
	args := append(append([]string(nil), d.flags...), "127.0.0.1", "0")
	if d.pooled {
		args = append(args, fmt.Sprint(pool))
	}
	return args
}

// slots is how many clients the design serves at once with a pool of n:
// one for the iterative server, n for a pool, 0 for "as many as come".
func (d design) slots(n int) int {
	switch {
	case d.pooled:
		return n
	case d.perClient:
		return 0
	}
	return 1
}

// children is how many child processes the server has when it is quiet.
func (d design) children(pool int) int {
	if d.forks && d.pooled {
		return pool
	}
	return 0
}

// childrenAccept reports whether the server's children, each with a
// descriptor table of its own, call accept, rather than its parent.
func (d design) childrenAccept() bool { return d.forks && d.pooled && !d.passes }

// idleIn reports whether a thread of child pid waits for a connection:
// blocked in accept4, for serv10 in epoll_wait, for serv12 in
// io_uring_enter.
func (d design) idleIn(pid int) bool {
	if d.ring {
		return lab.InSyscall(pid, unix.SYS_IO_URING_ENTER)
	}
	if d.polls {
		return lab.InSyscall(pid, unix.SYS_EPOLL_WAIT) || lab.InSyscall(pid, unix.SYS_EPOLL_PWAIT)
	}
	return inAccept(pid)
}

// selectDesigns turns command-line names into designs: a full name, or any
// prefix of one ("serv03", "serv0", "serv10").
func selectDesigns(names []string) ([]design, error) {
	if len(names) == 0 {
		return designs, nil
	}
	var out []design
	for _, name := range names {
		found := false
		for _, d := range designs {
			if strings.HasPrefix(d.name, name) {
				out = append(out, d)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("no design named %q", name)
		}
	}
	return out, nil
}
