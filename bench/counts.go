package main

// The kernel's counts for every row: system calls, context switches and
// page faults per connection, over the server's whole process tree, from
// ready to exit. The book measures each design by the CPU time it adds to
// the iterative server's; here each is also read by what it adds to the
// five calls of a connection (accept, read, write, the read of EOF,
// close), and these counts let the table show it. lab.Count does the counting
// (perf_event_open with inherit on every thread of the server's group);
// this file turns the counts into runs, rows and tables.

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"syscall"

	"unp-go.dev/lab"
)

// syscallList is what -syscalls counts one by one: what the servers, the Go
// runtime and glibc are known to call. A counter per call and per thread
// costs a descriptor, and the kernel has some 360 calls, so not all of
// them: whatever else the server calls shows as "others" in the breakdown,
// the total less the calls counted; name it here if it is not small.
var syscallList = []string{
	"accept", "accept4", "read", "write", "close", "readv", "writev", "recvfrom", "sendto",
	"recvmsg", "sendmsg", "shutdown", "getsockname", "getpeername", "setsockopt", "fcntl",
	"select", "pselect6", "poll", "ppoll", "epoll_wait", "epoll_pwait", "epoll_pwait2",
	"epoll_ctl", "io_uring_enter", "futex", "nanosleep", "clock_nanosleep", "sched_yield",
	"gettid", "getpid", "getppid", "tgkill", "kill", "rt_sigreturn", "rt_sigprocmask",
	"rt_sigaction", "sigaltstack", "mmap", "munmap", "madvise", "mprotect", "brk", "clone",
	"clone3", "execve", "exit", "exit_group", "wait4", "waitid", "set_robust_list", "rseq",
	"pause", "getrusage", "openat", "newfstatat", "fstat", "lseek", "dup2", "dup3", "pipe2",
	"prctl", "sched_getaffinity", "getrandom", "setitimer", "timer_settime", "clock_gettime",
}

// splitFutex counts futex in two halves, shared and private (see
// lab.FutexShared): the calls of serv04's mutex, shared between the
// children as glibc's is, apart from the Go runtime's own.
func splitFutex(calls []lab.Event) []lab.Event {
	i := slices.IndexFunc(calls, func(ev lab.Event) bool { return ev.Name == "futex" })
	shared, err1 := lab.FutexShared()
	private, err2 := lab.FutexPrivate()
	if i < 0 || err1 != nil || err2 != nil {
		return calls
	}
	return slices.Replace(calls, i, i+1, shared, private)
}

// kernelCounts is what the kernel counted over a server's process tree in
// one run, from ready until the server had exited and reaped its children:
// the loaded run's, or the idle run's (its shutdown alone).
type kernelCounts struct {
	Syscalls uint64 `json:"syscalls"`
	Switches uint64 `json:"context_switches"`
	// Voluntary and Involuntary are the two kinds of switch as
	// getrusage(2) counts them (wait4's, for the server and the children
	// it reaped) at the end, less /proc's at the start; Split says they
	// were read. The kernel counts them at other moments than the counter
	// (a thread's exit, for one), so their sum is near Switches, not it.
	Voluntary   int64   `json:"voluntary_switches"`
	Involuntary int64   `json:"involuntary_switches"`
	Split       bool    `json:"split"`
	Faults      uint64  `json:"page_faults"`
	TaskClock   float64 `json:"task_clock_s"`
	Threads     int     `json:"threads"` // counted at the start; what they started counts too
	// Missing says, by counter, why it was not counted.
	Missing map[string]string `json:"missing,omitempty"`
	// Calls is -syscalls' breakdown, by system call.
	Calls map[string]uint64 `json:"calls,omitempty"`
}

// Counter names, as Missing and the notes give them.
const (
	nSyscalls = "system calls"
	nSwitches = "context switches"
	nFaults   = "page faults"
	nClock    = "task-clock"
)

// counting is one run's counting, between startCounts and finish.
type counting struct {
	c            *lab.Counters
	missing      map[string]string
	names        map[string]string // event name -> counter name or system call
	vol0, invol0 int64
}

// startCounts starts counting over srv's group, once it is ready; nil
// when -counts is off. Counting that fails is recorded, not fatal.
func (c *config) startCounts(srv *lab.Group, t target) *counting {
	if !c.counts {
		return nil
	}
	k := &counting{missing: map[string]string{}, names: map[string]string{}}
	events := []lab.Event{lab.ContextSwitches, lab.PageFaults, lab.TaskClock}
	k.names[lab.ContextSwitches.Name] = nSwitches
	k.names[lab.PageFaults.Name] = nFaults
	k.names[lab.TaskClock.Name] = nClock
	if sys, err := lab.Syscalls(); err != nil {
		k.missing[nSyscalls] = err.Error()
	} else {
		events = append(events, sys)
		k.names[sys.Name] = nSyscalls
	}
	if slices.Contains(c.syscalls, t.Name) {
		calls, _ := lab.SyscallEvents(syscallList) // those this kernel has
		calls = splitFutex(calls)
		for _, ev := range calls {
			k.names[ev.Name] = ev.Name
		}
		events = append(events, calls...)
	}
	k.vol0, k.invol0 = lab.Switches(srv.Pid())
	counters, err := lab.Count(srv.Pid(), events...)
	if err != nil {
		for _, ev := range events {
			k.missing[k.names[ev.Name]] = err.Error()
		}
		return k
	}
	k.c = counters
	return k
}

// finish reads the counts once srv has exited and its group has gone, and
// stops counting.
func (k *counting) finish(srv *lab.Group) *kernelCounts {
	if k == nil {
		return nil
	}
	kc := &kernelCounts{Missing: k.missing}
	if k.c == nil {
		return kc
	}
	defer k.close()
	kc.Threads = k.c.Threads()
	for name, err := range k.c.Missing() {
		kc.Missing[k.names[name]] = err.Error()
	}
	n, err := k.c.Read()
	if err != nil {
		for _, name := range k.names {
			kc.Missing[name] = err.Error()
		}
		return kc
	}
	for ev, v := range n {
		switch name := k.names[ev]; name {
		case nSyscalls:
			kc.Syscalls = v
		case nSwitches:
			kc.Switches = v
		case nFaults:
			kc.Faults = v
		case nClock:
			kc.TaskClock = float64(v) / 1e9
		default:
			if kc.Calls == nil {
				kc.Calls = map[string]uint64{}
			}
			kc.Calls[name] = v
		}
	}
	if ru, ok := srv.Cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		kc.Voluntary, kc.Involuntary = ru.Nvcsw-k.vol0, ru.Nivcsw-k.invol0
		kc.Split = kc.Voluntary >= 0 && kc.Involuntary >= 0
	}
	return kc
}

// close stops counting; a run that fails before finish calls it too.
func (k *counting) close() {
	if k != nil && k.c != nil {
		k.c.Close()
	}
}

// kernelSummary is a row's counts per connection: for each round, the
// loaded run's count less the same round's idle run's (the shutdown), over
// the connections; the median over the rounds. A counter is in Missing,
// with the reason, when some round could not count it.
type kernelSummary struct {
	Syscalls    float64            `json:"syscalls_per_connection"`
	Switches    float64            `json:"context_switches_per_connection"`
	Voluntary   float64            `json:"voluntary_switches_per_connection"`
	Involuntary float64            `json:"involuntary_switches_per_connection"`
	Split       bool               `json:"split"`
	Faults      float64            `json:"page_faults_per_connection"`
	TaskClock   float64            `json:"task_clock_us_per_connection"`
	Missing     map[string]string  `json:"missing,omitempty"`
	Calls       map[string]float64 `json:"calls_per_connection,omitempty"`
	// Others is the breakdown's remainder: system calls less those counted
	// one by one, per connection.
	Others float64 `json:"other_calls_per_connection,omitempty"`
}

// kernelSummary summarizes the counts of the runs of row name; nil when
// no run of it was counted.
func (res *results) kernelSummary(name string) *kernelSummary {
	idle := map[int]*kernelCounts{}
	for _, r := range res.Runs {
		if r.Name == name && r.Idle && r.OK && r.Kernel != nil {
			idle[r.Round] = r.Kernel
		}
	}
	ks := &kernelSummary{Missing: map[string]string{}}
	per := map[string][]float64{}
	counted := false
	for _, r := range res.Runs {
		if r.Name != name || r.Idle || !r.OK || r.Kernel == nil || r.Conns == 0 {
			continue
		}
		counted = true
		k, i := r.Kernel, idle[r.Round]
		if i == nil {
			ks.Missing["all"] = "no idle run in some round to take the shutdown out"
			continue
		}
		maps.Copy(ks.Missing, k.Missing)
		maps.Copy(ks.Missing, i.Missing)
		add := func(key string, loaded, shutdown float64) {
			per[key] = append(per[key], (loaded-shutdown)/float64(r.Conns))
		}
		add(nSyscalls, float64(k.Syscalls), float64(i.Syscalls))
		add(nSwitches, float64(k.Switches), float64(i.Switches))
		add(nFaults, float64(k.Faults), float64(i.Faults))
		add(nClock, k.TaskClock*1e6, i.TaskClock*1e6)
		if k.Split && i.Split {
			add("voluntary", float64(k.Voluntary), float64(i.Voluntary))
			add("involuntary", float64(k.Involuntary), float64(i.Involuntary))
		}
		var apart uint64
		for call, v := range k.Calls {
			add("call "+call, float64(v), float64(i.Calls[call]))
			apart += v - min(v, i.Calls[call])
		}
		if len(k.Calls) > 0 {
			add("others", float64(k.Syscalls)-float64(i.Syscalls), float64(apart))
		}
	}
	if !counted {
		return nil
	}
	med := func(key string) float64 { m, _ := median(per[key]); return m }
	ks.Syscalls, ks.Switches, ks.Faults, ks.TaskClock =
		med(nSyscalls), med(nSwitches), med(nFaults), med(nClock)
	nrounds := len(per[nSwitches])
	if ks.Split = nrounds > 0 && len(per["voluntary"]) == nrounds; ks.Split {
		ks.Voluntary, ks.Involuntary = med("voluntary"), med("involuntary")
	}
	for key := range per {
		if call, ok := strings.CutPrefix(key, "call "); ok {
			if ks.Calls == nil {
				ks.Calls = map[string]float64{}
			}
			ks.Calls[call] = med(key)
		}
	}
	ks.Others = med("others")
	return ks
}

// countsMarkdown writes the table of the kernel's counts per connection,
// one line per row of the main table, and -syscalls' breakdown.
func (res *results) countsMarkdown(w io.Writer) {
	var lines []string
	why := map[string]string{} // reason -> counters
	na := func(ks *kernelSummary, name, cell string) string {
		r, ok := ks.Missing[name]
		if !ok {
			r, ok = ks.Missing["all"]
		}
		if !ok {
			return cell
		}
		if !strings.Contains(why[r], name) {
			why[r] = strings.TrimPrefix(why[r]+", "+name, ", ")
		}
		return "n/a"
	}
	for _, s := range res.Summary {
		ks := s.Kernel
		if ks == nil {
			continue
		}
		kinds := "n/a"
		if ks.Split {
			kinds = fmt.Sprintf("%.2f / %.2f", ks.Voluntary, ks.Involuntary)
		} else {
			why["getrusage of the server, or /proc at the start, unread"] = "voluntary / involuntary"
		}
		lines = append(lines, fmt.Sprintf("| %s | %s | %s | %s | %s | %s |", s.Name,
			na(ks, nSyscalls, fmt.Sprintf("%.2f", ks.Syscalls)),
			na(ks, nSwitches, fmt.Sprintf("%.2f", ks.Switches)), kinds,
			na(ks, nFaults, fmt.Sprintf("%.2f", ks.Faults)),
			na(ks, nClock, fmt.Sprintf("%.0f", ks.TaskClock))))
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprint(w, "\nThe kernel's counts per connection over each server's process tree "+
		"(perf_event_open, inherited by every thread and child), from ready to exit, less "+
		"the same round's idle run (shutdown); medians:\n\n")
	fmt.Fprintln(w, "| server | system calls | context switches | voluntary / involuntary "+
		"(getrusage) | page faults | task-clock µs |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	for _, r := range slices.Sorted(maps.Keys(why)) {
		fmt.Fprintf(w, "\n- n/a (%s): %s", why[r], r)
	}
	if len(why) > 0 {
		fmt.Fprintln(w)
	}
	res.breakdownMarkdown(w)
}

// breakdownMarkdown writes -syscalls' table for each row that has one: its
// calls per connection, most first.
func (res *results) breakdownMarkdown(w io.Writer) {
	for _, s := range res.Summary {
		if s.Kernel != nil && s.Kernel.Calls != nil {
			breakdown(w, s.Name, s.Kernel)
		}
	}
	// The lock's own calls, apart from the runtime's: the futex calls on a
	// word shared between processes, Go's mutex against glibc's.
	var lock []string
	for _, s := range res.Summary {
		c, ok := res.besideC(s.Name)
		if s.Series != "Go" || !ok || s.Kernel == nil || c.Kernel == nil {
			continue
		}
		g, okg := s.Kernel.Calls["futex shared"]
		b, okb := c.Kernel.Calls["futex shared"]
		if okg && okb && (g > 0 || b > 0) {
			lock = append(lock, fmt.Sprintf("%s %.2f (and %.2f private) against %s's %.2f "+
				"(and %.2f private)", s.Name, g, s.Kernel.Calls["futex private"], c.Name, b,
				c.Kernel.Calls["futex private"]))
		}
	}
	if len(lock) > 0 {
		fmt.Fprintf(w, "\nfutex calls on a word shared between processes (the process-shared "+
			"mutex's), per connection: %s.\n", strings.Join(lock, "; "))
	}
}

func breakdown(w io.Writer, name string, ks *kernelSummary) {
	type call struct {
		name string
		n    float64
	}
	var calls []call
	for c, n := range ks.Calls {
		if n >= 0.005 {
			calls = append(calls, call{c, n})
		}
	}
	slices.SortFunc(calls, func(a, b call) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.name, b.name))
	})
	fmt.Fprintf(w, "\nSystem calls of %s per connection, by call (medians over the rounds, "+
		"shutdown taken out):\n\n| system call | per connection |\n|---|---:|\n", name)
	for _, c := range calls {
		fmt.Fprintf(w, "| %s | %.2f |\n", c.name, c.n)
	}
	fmt.Fprintf(w, "| others (not counted apart) | %.2f |\n| all | %.2f |\n", ks.Others, ks.Syscalls)
}

// checkBreakdown fails when -syscalls names a row that is not among
// targets, or this kernel cannot count calls one by one.
func (c *config) checkBreakdown(targets []target) error {
	rows := c.syscalls
	if rows == nil {
		return nil
	}
	if !c.counts {
		return errors.New("-syscalls needs -counts")
	}
	for _, row := range rows {
		if !slices.ContainsFunc(targets, func(t target) bool { return t.Name == row }) {
			var names []string
			for _, t := range targets {
				names = append(names, t.Name)
			}
			return fmt.Errorf("-syscalls: no row %q among %s", row, strings.Join(names, ", "))
		}
	}
	if _, err := lab.SyscallEvents([]string{"futex"}); err != nil {
		return fmt.Errorf("-syscalls needs the syscalls tracepoints: %v", err)
	}
	return nil
}

// sweepCounts writes the sweep's tables of counts per connection.
func (res *results) sweepCounts(w io.Writer) {
	if !slices.ContainsFunc(res.Summary, func(s summary) bool { return s.Kernel != nil }) {
		return
	}
	cell := func(name string, v func(*kernelSummary) float64) func(summary) string {
		return func(s summary) string {
			if s.Kernel == nil {
				return "—"
			}
			if _, ok := s.Kernel.Missing[name]; ok {
				return "n/a"
			}
			if _, ok := s.Kernel.Missing["all"]; ok {
				return "n/a"
			}
			return fmt.Sprintf("%.2f", v(s.Kernel))
		}
	}
	res.sweepTable(w, "system calls per connection (kernel counter, shutdown taken out), median",
		cell(nSyscalls, func(k *kernelSummary) float64 { return k.Syscalls }))
	res.sweepTable(w, "context switches per connection, median",
		cell(nSwitches, func(k *kernelSummary) float64 { return k.Switches }))
}
