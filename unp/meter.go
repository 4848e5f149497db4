package unp

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A Meter is the book's meter (server/meter.c, section 30.6): one
// connection counter per preforked child, in memory that the parent and
// every child share, so that the parent can print how the kernel spread the
// connections (the book's table of connections per child) after the
// children are gone.
//
// Departure: the book's meter.c maps shared memory before fork (MAP_ANON|MAP_SHARED,
// or /dev/zero where there is no MAP_ANON), and the children inherit it.
// A mapping does not survive exec, so here the counters live in a memfd
// (memfd_create(2)): the parent passes its descriptor to each child with
// Fork, and the child maps the same pages with OpenMeter.
type Meter struct {
	fd     int
	counts []int64
}

// NewMeter creates counters for nchildren children, all zero. It exits through
// Err_sys if it cannot.
func NewMeter(nchildren int) *Meter {
	fd, err := unix.MemfdCreate("meter", unix.MFD_CLOEXEC)
	if err != nil {
		Err_sys(err, "memfd_create")
	}
	if err := unix.Ftruncate(fd, int64(nchildren)*8); err != nil {
		Err_sys(err, "ftruncate meter")
	}
	return OpenMeter(fd)
}

// OpenMeter maps the counters whose descriptor a child inherited. Their
// number is the size of the memfd.
func OpenMeter(fd int) *Meter {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		Err_sys(err, "meter: fstat")
	}
	if st.Size < 8 {
		Err_quit("meter: descriptor %d holds no counters", fd)
	}
	mem, err := unix.Mmap(fd, 0, int(st.Size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		Err_sys(err, "meter: mmap")
	}
	counts := unsafe.Slice((*int64)(unsafe.Pointer(&mem[0])), len(mem)/8)
	return &Meter{fd, counts}
}

// Fd is the descriptor a child must inherit to share the counters.
func (m *Meter) Fd() int { return m.fd }

// Len is the number of counters.
func (m *Meter) Len() int { return len(m.counts) }

// Add counts one connection for child i. The book's cptr[i]++ is safe
// because only child i writes counter i; the atomic add also makes the
// parent's read of it well defined.
func (m *Meter) Add(i int) { atomic.AddInt64(&m.counts[i], 1) }

// Count returns the connections counted for child i.
func (m *Meter) Count(i int) int64 { return atomic.LoadInt64(&m.counts[i]) }

// Print writes "child I, N connections" for each counter: the loop of the
// book's sig_int in serv02m.c and serv03m.c, whose output the tests and
// the benchmark read.
func (m *Meter) Print() {
	for i := range m.counts {
		fmt.Printf("child %d, %d connections\n", i, m.Count(i))
	}
}
