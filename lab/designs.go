package lab

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
)

// A Design is one way to run one of the servers: a program of the
// workspace, the flags that choose its variant, and what the tools must
// know of it. The bench makes it a row of Figure 30.1, torture a victim,
// read a page (one per directory), the tests a scenario's program.
//
// One program may make several designs: serv02-prefork plainly and with
// -select (serv02-select), serv11-netpoll with a goroutine per client and
// with a pool (serv11-netpool). A variant's entry names the design it is a
// variant of (Of), and stands right after it in Designs.
type Design struct {
	Name  string   // the row's name everywhere: "serv10-exclusive"
	Dir   string   // the program's directory from the root: "beyond/serv10-epoll"
	Flags []string // before the host and port: "-exclusive"
	Of    string   // for a variant, the design it varies; "" for a program's main line

	Row    int    // Figure 30.1's row: the book's 0-8, then 9 on for those beyond it
	Figure string // where the book has it: "§30.7, Figs. 30.13–30.14"; for those beyond, since when
	Desc   string // the row's wording in Figure 30.1's style
	C      string // the book's C program the bench runs beside it ("C serv03"); "" if none
	From   string // beyond the book: the design it changes one thing of

	// Unit is what the #N argument counts, and the per-slot line of the
	// SIGINT report: "child", "thread", or "" for a design without a pool.
	Unit string
	// Forks: it serves from child processes (which torture kills).
	Forks bool
	// PerClient: one process, thread or goroutine per client, no fixed pool.
	PerClient bool
	// Passes: the parent accepts and passes the descriptors (serv05).
	Passes bool
	// Idle is the system call an idle child or thread waits for a
	// connection in: "accept4", "epoll_wait", "io_uring_enter".
	Idle string
	// Raw: its children are forked with no exec and never run the Go
	// runtime (-fork, unp/rawfork.go); they are not this program again.
	Raw bool
}

// Designs is the one list: the book's nine in its order, each book variant
// after its design, then the designs beyond the book. Adding a design is
// an entry here and its directory.
var Designs = []Design{
	{Name: "serv00-iterative", Dir: "serv00-iterative", Row: 0, Figure: "§30.4",
		Desc: "iterative server (baseline; no process control)", C: "C serv00",
		Idle: "accept4"},
	{Name: "serv01-fork", Dir: "serv01-fork", Row: 1, Figure: "§30.5, Fig. 30.4",
		Desc: "concurrent server, one fork per client request", C: "C serv01",
		Forks: true, PerClient: true, Idle: "accept4"},
	{Name: "serv01-rawfork", Dir: "serv01-fork", Flags: []string{"-fork"}, Of: "serv01-fork",
		Row: 1, Figure: "§30.5, Fig. 30.4", Desc: "the same, each child forked with no exec",
		C: "C serv01", Forks: true, PerClient: true, Raw: true, Idle: "accept4"},
	{Name: "serv02-prefork", Dir: "serv02-prefork", Row: 2, Figure: "§30.6, Figs. 30.9–30.11",
		Desc: "prefork, each child calling accept", C: "C serv02",
		Unit: "child", Forks: true, Idle: "accept4"},
	{Name: "serv02-select", Dir: "serv02-prefork", Flags: []string{"-select"},
		Of: "serv02-prefork", Row: 2, Figure: "§30.6 (child02l.c)",
		Desc: "prefork, each child calling select, then accept (the book's child02l.c)",
		C:    "C serv02l", Unit: "child", Forks: true, Idle: "accept4"},
	{Name: "serv02-rawfork", Dir: "serv02-prefork", Flags: []string{"-fork"},
		Of: "serv02-prefork", Row: 2, Figure: "§30.6, Figs. 30.9–30.11",
		Desc: "the same, the children forked with no exec", C: "C serv02",
		Unit: "child", Forks: true, Raw: true, Idle: "accept4"},
	{Name: "serv03-flock", Dir: "serv03-flock", Row: 3, Figure: "§30.7, Figs. 30.13–30.14",
		Desc: "prefork, file locking to protect accept", C: "C serv03",
		Unit: "child", Forks: true, Idle: "accept4"},
	{Name: "serv03-rawfork", Dir: "serv03-flock", Flags: []string{"-fork"},
		Of: "serv03-flock", Row: 3, Figure: "§30.7, Figs. 30.13–30.14",
		Desc: "the same, the children forked with no exec", C: "C serv03",
		Unit: "child", Forks: true, Raw: true, Idle: "accept4"},
	{Name: "serv04-mutex", Dir: "serv04-mutex", Row: 4, Figure: "§30.8, Fig. 30.16",
		Desc: "prefork, process-shared mutex locking to protect accept", C: "C serv04",
		Unit: "child", Forks: true, Idle: "accept4"},
	{Name: "serv04-rawfork", Dir: "serv04-mutex", Flags: []string{"-fork"},
		Of: "serv04-mutex", Row: 4, Figure: "§30.8, Fig. 30.16",
		Desc: "the same, the children forked with no exec", C: "C serv04",
		Unit: "child", Forks: true, Raw: true, Idle: "accept4"},
	{Name: "serv05-fdpass", Dir: "serv05-fdpass", Row: 5, Figure: "§30.9, Figs. 30.18–30.21",
		Desc: "prefork, parent passing socket descriptor to child", C: "C serv05",
		Unit: "child", Forks: true, Passes: true, Idle: "accept4"},
	{Name: "serv05-rawfork", Dir: "serv05-fdpass", Flags: []string{"-fork"},
		Of: "serv05-fdpass", Row: 5, Figure: "§30.9, Figs. 30.18–30.21",
		Desc: "the same, the children forked with no exec", C: "C serv05",
		Unit: "child", Forks: true, Passes: true, Raw: true, Idle: "accept4"},
	{Name: "serv06-thread", Dir: "serv06-thread", Row: 6, Figure: "§30.10, Fig. 30.26",
		Desc: "concurrent server, one thread per client request", C: "C serv06",
		PerClient: true, Idle: "accept4"},
	{Name: "serv07-threadpool", Dir: "serv07-threadpool", Row: 7,
		Figure: "§30.11, Figs. 30.27–30.29",
		Desc:   "prethreaded, mutex locking to protect accept", C: "C serv07",
		Unit: "thread", Idle: "accept4"},
	{Name: "serv08-mainaccept", Dir: "serv08-mainaccept", Row: 8,
		Figure: "§30.12, Figs. 30.30–30.32",
		Desc:   "prethreaded, main thread calls accept", C: "C serv08",
		Unit: "thread", Idle: "accept4"},

	{Name: "serv09-reuseport", Dir: "beyond/serv09-reuseport", Row: 9,
		Figure: "Linux 3.9 (SO_REUSEPORT)", From: "serv02-prefork",
		Desc: "beyond: prefork, a SO_REUSEPORT listener per child",
		Unit: "child", Forks: true, Idle: "accept4"},
	{Name: "serv10-epoll", Dir: "beyond/serv10-epoll", Row: 10,
		Figure: "Linux 2.6 (epoll)", From: "serv02-prefork",
		Desc: "beyond: prefork, an epoll loop per child on the shared listener",
		Unit: "child", Forks: true, Idle: "epoll_wait"},
	{Name: "serv10-exclusive", Dir: "beyond/serv10-epoll", Flags: []string{"-exclusive"},
		Of: "serv10-epoll", Row: 10, Figure: "Linux 4.5 (EPOLLEXCLUSIVE)",
		From: "serv02-prefork",
		Desc: "beyond: serv10-epoll, the listener added with EPOLLEXCLUSIVE",
		Unit: "child", Forks: true, Idle: "epoll_wait"},
	{Name: "serv11-netpoll", Dir: "beyond/serv11-netpoll", Row: 11,
		Figure: "Go 1.0 (the netpoller)", From: "serv06-thread",
		Desc:      "beyond: package net, a goroutine per client (the netpoller)",
		PerClient: true},
	{Name: "serv11-netpool", Dir: "beyond/serv11-netpoll", Of: "serv11-netpoll", Row: 11,
		Figure: "Go 1.0 (the netpoller)", From: "serv07-threadpool",
		Desc: "beyond: package net, a pool of goroutines calling Accept",
		Unit: "thread"},
	{Name: "serv12-uring", Dir: "beyond/serv12-uring", Row: 12,
		Figure: "Linux 5.1 (io_uring), 5.19–6.1", From: "serv10-epoll",
		Desc: "beyond: prefork, an io_uring loop per child on the shared listener",
		Unit: "child", Forks: true, Idle: "io_uring_enter"},
	{Name: "serv12-reuseport", Dir: "beyond/serv12-uring", Flags: []string{"-reuseport"},
		Of: "serv12-uring", Row: 12, Figure: "Linux 5.1 (io_uring), 3.9 (SO_REUSEPORT)",
		From: "serv10-epoll",
		Desc: "beyond: serv12-uring, a SO_REUSEPORT listener per child",
		Unit: "child", Forks: true, Idle: "io_uring_enter"},
	{Name: "serv13-upgrade", Dir: "beyond/serv13-upgrade", Row: 13,
		Figure: "nginx's binary upgrade, tableflip", From: "serv02-prefork",
		Desc: "beyond: serv02-prefork that hands its listener to its successor on SIGUSR2",
		Unit: "child", Forks: true, Idle: "accept4"},
}

// Pooled reports whether the design takes #children or #threads after the
// port.
func (d Design) Pooled() bool { return d.Unit != "" }

// Program is the name of the design's executable: its directory's last
// element.
func (d Design) Program() string { return path.Base(d.Dir) }

// Beyond reports whether the design is one the book does not have.
func (d Design) Beyond() bool { return strings.HasPrefix(d.Dir, "beyond/") }

// Args is the server's command line after its name, on 127.0.0.1 and the
// given port, with a pool of n where it takes one.
func (d Design) Args(port, n int) []string {
	args := append(slices.Clone(d.Flags), "127.0.0.1", strconv.Itoa(port))
	if d.Pooled() {
		args = append(args, strconv.Itoa(n))
	}
	return args
}

// Lookup finds a design by its name.
func Lookup(name string) (Design, bool) {
	i := slices.IndexFunc(Designs, func(d Design) bool { return d.Name == name })
	if i < 0 {
		return Design{}, false
	}
	return Designs[i], true
}

// Dirs are the designs' program directories, each once, in the list's
// order.
func Dirs() []string {
	var out []string
	for _, d := range Designs {
		if !slices.Contains(out, d.Dir) {
			out = append(out, d.Dir)
		}
	}
	return out
}

// Choose picks designs by the words of a command line: "all", a full name,
// a name's servNN prefix ("serv03", which takes serv03-flock) or any other
// prefix of names ("serv1" takes serv10 to serv13), or a number, the
// designs of that row of Figure 30.1. The result is in the list's order,
// each design once.
func Choose(words []string) ([]Design, error) {
	picked := make([]bool, len(Designs))
	for _, w := range words {
		w = strings.TrimSpace(w)
		n, err := strconv.Atoi(w)
		found := false
		for i, d := range Designs {
			if w == "all" || strings.HasPrefix(d.Name, w) || (err == nil && d.Row == n) {
				picked[i], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("no design named %q", w)
		}
	}
	var out []Design
	for i, ok := range picked {
		if ok {
			out = append(out, Designs[i])
		}
	}
	return out, nil
}
