package main

import (
	"slices"

	"golang.org/x/sys/unix"
	"unp-go.dev/lab"
)

// A design is one server of chapter 30 (or beyond it): an entry of the one
// list, lab.Designs, and what torture works out from it.
type design struct{ lab.Design }

// designs are every design of the list, in its order.
var designs = func() []design {
	var out []design
	for _, d := range lab.Designs {
		out = append(out, design{d})
	}
	return out
}()

// args is the server's command line after its name, on a port the kernel
// picks.
func (d design) args(pool int) []string { return d.Args(0, pool) }

// crowd: a design with no pool and no process per client (serv06, serv11)
// is overloaded with -crowd connections, not 10 × its pool.
func (d design) crowd() bool { return d.PerClient && !d.Forks }

// threadEach: a thread per client blocked at once (serv06), which the
// out-of-processes fault can starve.
func (d design) threadEach() bool { return d.crowd() && d.Idle == "accept4" }

// slots is how many clients the design serves at once with a pool of n:
// one for the iterative server, n for a pool, 0 for "as many as come".
func (d design) slots(n int) int {
	switch {
	case d.Pooled():
		return n
	case d.PerClient:
		return 0
	}
	return 1
}

// children is how many child processes the server has when it is quiet.
func (d design) children(pool int) int {
	if d.Forks && d.Pooled() {
		return pool
	}
	return 0
}

// childrenAccept reports whether the server's children, each with a
// descriptor table of its own, call accept, rather than its parent.
func (d design) childrenAccept() bool { return d.Forks && d.Pooled() && !d.Passes }

// idleIn reports whether a thread of child pid waits for a connection in
// the system call the list names for the design: accept4, for serv10
// epoll_wait, for serv12 io_uring_enter.
func (d design) idleIn(pid int) bool {
	switch d.Idle {
	case "io_uring_enter":
		return lab.InSyscall(pid, unix.SYS_IO_URING_ENTER)
	case "epoll_wait":
		return lab.InSyscall(pid, unix.SYS_EPOLL_WAIT) || lab.InSyscall(pid, unix.SYS_EPOLL_PWAIT)
	}
	return inAccept(pid)
}

// selectDesigns turns command-line names into designs (lab.Choose): all of
// them when there is none.
func selectDesigns(names []string) ([]design, error) {
	if len(names) == 0 {
		return designs, nil
	}
	chosen, err := lab.Choose(names)
	if err != nil {
		return nil, err
	}
	var out []design
	for _, d := range designs {
		if slices.ContainsFunc(chosen, func(c lab.Design) bool { return c.Name == d.Name }) {
			out = append(out, d)
		}
	}
	return out, nil
}
