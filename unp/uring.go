package unp

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// io_uring(7) (Linux 5.1) is a pair of rings in memory that a process shares
// with the kernel. The process writes a request, a submission queue entry
// (SQE: an opcode, a descriptor, a buffer, and 64 bits of its own, the user
// data), at the tail of the submission queue, and tells the kernel with
// io_uring_enter(2), which can also wait. The kernel answers each request
// with a completion queue entry (CQE: the user data, a result that is what
// the system call would have returned or -errno, and flags) at the tail of
// the completion queue, which the process reads without a system call. One
// io_uring_enter submits any number of requests and reaps any number of
// completions, and a multishot request (accept, Linux 5.19; recv, 6.0)
// goes on completing, once for each connection or each read, until the
// kernel ends it. Serv12-uring serves from one ring per child. Beyond the
// book: the book predates it by sixteen years.
//
// Beyond the book: no library. The Go io_uring packages we found were either
// unmaintained or lacked multishot requests and provided buffer rings, which
// are what a server on a ring is made of today; what the server needs is a
// few hundred lines on golang.org/x/sys/unix, named for the calls below, in
// the manner of the book's lib/: SetupRing (io_uring_setup and the mmaps),
// GetSQE and the Prep methods (writing requests), Enter (io_uring_enter),
// Completions (reading answers), SetupBufRing (IORING_REGISTER_PBUF_RING).
// Its layouts are those of <linux/io_uring.h>.

// Opcodes, flags and offsets of <linux/io_uring.h> that the ring uses.
const (
	opNop         = 0
	opAccept      = 13
	opAsyncCancel = 14
	opSendmsg     = 9
	opClose       = 19
	opSend        = 26
	opRecv        = 27

	sqeBufferSelect    = 1 << 5 // IOSQE_BUFFER_SELECT
	sqeCQESkipSuccess  = 1 << 6 // IOSQE_CQE_SKIP_SUCCESS
	acceptMultishot    = 1 << 0 // IORING_ACCEPT_MULTISHOT, in ioprio
	recvMultishot      = 1 << 1 // IORING_RECV_MULTISHOT, in ioprio
	asyncCancelAll     = 1 << 0 // IORING_ASYNC_CANCEL_ALL
	asyncCancelFd      = 1 << 1 // IORING_ASYNC_CANCEL_FD
	enterGetEvents     = 1 << 0 // IORING_ENTER_GETEVENTS
	enterExtArg        = 1 << 3 // IORING_ENTER_EXT_ARG
	offSQRing          = 0
	offCQRing          = 0x8000000
	offSQEs            = 0x10000000
	registerPbufRing   = 22 // IORING_REGISTER_PBUF_RING
	unregisterPbufRing = 23
)

// Setup flags (IORING_SETUP_*) and features (IORING_FEAT_*).
const (
	SetupCQSize        = 1 << 3  // the CQ has params.cq_entries entries
	SetupSubmitAll     = 1 << 7  // go on submitting past a failed SQE (5.18)
	SetupCoopTaskrun   = 1 << 8  // no IPI to run completions: at the next enter (5.19)
	SetupTaskrunFlag   = 1 << 9  // and say so in the SQ ring's flags (5.19)
	SetupSingleIssuer  = 1 << 12 // one thread submits, always the same (6.0)
	SetupDeferTaskrun  = 1 << 13 // completions run only in that thread's enter (6.1)
	FeatSingleMmap     = 1 << 0  // SQ and CQ rings in one mapping (5.4)
	FeatNoDrop         = 1 << 1  // a full CQ holds completions back, not drops (5.5)
	FeatExtArg         = 1 << 8  // io_uring_enter takes a timeout (5.11)
	FeatCQESkip        = 1 << 11 // IOSQE_CQE_SKIP_SUCCESS (5.17)
	CQEFBuffer         = 1 << 0  // IORING_CQE_F_BUFFER: a provided buffer holds the data
	CQEFMore           = 1 << 1  // IORING_CQE_F_MORE: the request goes on completing
	cqeBufferShift     = 16
	ringFeaturesNeeded = FeatSingleMmap | FeatNoDrop | FeatExtArg | FeatCQESkip
)

// setupFlagNames names the setup flags, for a start line.
var setupFlagNames = []struct {
	flag uint32
	name string
}{
	{SetupSingleIssuer, "SINGLE_ISSUER"}, {SetupDeferTaskrun, "DEFER_TASKRUN"},
	{SetupCoopTaskrun, "COOP_TASKRUN"}, {SetupTaskrunFlag, "TASKRUN_FLAG"},
	{SetupSubmitAll, "SUBMIT_ALL"}, {SetupCQSize, "CQSIZE"},
}

// An SQE is a submission queue entry, struct io_uring_sqe: 64 bytes.
type SQE struct {
	Opcode      uint8
	Flags       uint8  // IOSQE_*
	Ioprio      uint16 // for accept and recv, their multishot flags
	Fd          int32
	Off         uint64
	Addr        uint64
	Len         uint32
	OpFlags     uint32 // msg_flags, accept_flags, cancel_flags, ...
	UserData    uint64 // returned in the CQE
	BufGroup    uint16 // the provided buffer ring to take from
	Personality uint16
	SpliceFdIn  int32
	Addr3       uint64
	_           uint64
}

// A CQE is a completion queue entry, struct io_uring_cqe: 16 bytes.
type CQE struct {
	UserData uint64 // the SQE's
	Res      int32  // what the system call would return, or -errno
	Flags    uint32 // IORING_CQE_F_*; the buffer ID in the top 16 bits
}

// Err is the CQE's result as an error: nil if it is not negative.
func (c *CQE) Err() error {
	if c.Res >= 0 {
		return nil
	}
	return unix.Errno(-c.Res)
}

// More reports whether the request goes on completing (IORING_CQE_F_MORE):
// a multishot request whose CQE lacks it has ended, and must be submitted
// again if it is still wanted.
func (c *CQE) More() bool { return c.Flags&CQEFMore != 0 }

// Buffer returns the ID of the provided buffer that holds the data, and
// whether there is one (IORING_CQE_F_BUFFER).
func (c *CQE) Buffer() (uint16, bool) {
	return uint16(c.Flags >> cqeBufferShift), c.Flags&CQEFBuffer != 0
}

// struct io_uring_params, with its two offset tables.
type ringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sqOff                                                                  struct {
		head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
		userAddr                                                        uint64
	}
	cqOff struct {
		head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
		userAddr                                                        uint64
	}
}

// struct io_uring_getevents_arg, io_uring_enter's argument with EXT_ARG.
type getEventsArg struct {
	sigmask     uint64
	sigmaskSize uint32
	minWaitUsec uint32
	ts          uint64 // a *unix.Timespec
}

// A Ring is one io_uring instance: its descriptor and its three mappings,
// the SQ ring (head, tail, the index array), the CQ ring (head, tail, the
// CQEs; one mapping with the SQ ring) and the SQE array. The kernel moves
// the SQ head and the CQ tail, the process the SQ tail and the CQ head; each
// side publishes what it moves with a store-release and reads the other's
// with a load-acquire (Go's atomics are both), so that an entry is written
// whole before its index is seen. A Ring is for one goroutine, and with
// SetupSingleIssuer for one OS thread: the kernel answers EEXIST to an
// Enter or a SetupBufRing from any other, and the Go runtime moves a
// goroutine between threads at will, so runtime.LockOSThread before
// SetupRing.
type Ring struct {
	Fd       int
	Flags    uint32 // the setup flags the kernel accepted
	Features uint32 // IORING_FEAT_*

	sqHead, sqTail *uint32
	sqMask         uint32
	sqes           []SQE
	sqeTail        uint32 // entries handed out by GetSQE, some not yet published
	cqHead, cqTail *uint32
	cqMask         uint32
	cqes           []CQE
	rings, sqeMem  []byte

	arg getEventsArg // in the heap, where the kernel may read it: see Enter
	ts  unix.Timespec
}

// SetupRing creates a ring of at least entries SQEs and cqEntries CQEs with
// io_uring_setup(2), trying each set of setup flags in turn until the
// kernel accepts one (older kernels refuse flags they do not know with
// EINVAL), and maps it. Ring.Flags says which it got. It fails with ENOSYS
// on a kernel without io_uring, EPERM where it is disabled
// (kernel.io_uring_disabled, a seccomp filter), ENOMEM when the locked-memory
// limit is reached, and with an error naming the features it lacks on a
// kernel older than 5.17.
func SetupRing(entries, cqEntries uint32, flagSets ...uint32) (*Ring, error) {
	if len(flagSets) == 0 {
		flagSets = []uint32{0}
	}
	var p ringParams
	var fd int
	var err error
	for _, flags := range flagSets {
		p = ringParams{flags: flags | SetupCQSize, cqEntries: cqEntries}
		fd, err = ioUringSetup(entries, &p)
		if err != unix.EINVAL {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("io_uring_setup: %w", err)
	}
	r := &Ring{Fd: fd, Flags: p.flags, Features: p.features}
	if missing := ringFeaturesNeeded &^ p.features; missing != 0 {
		unix.Close(fd)
		return nil, fmt.Errorf("io_uring_setup: kernel lacks features %#x (Linux 5.17 has them)",
			missing)
	}
	if err := r.mmap(&p); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return r, nil
}

// mmap maps the rings (one mapping: FeatSingleMmap) and the SQEs, and points
// the Ring's fields into them. Every SQ index slot names the SQE of the
// same number once and for all, so that the index array needs no writes.
func (r *Ring) mmap(p *ringParams) error {
	sqSize := p.sqOff.array + p.sqEntries*4
	cqSize := p.cqOff.cqes + p.cqEntries*uint32(unsafe.Sizeof(CQE{}))
	var err error
	r.rings, err = unix.Mmap(r.Fd, offSQRing, int(max(sqSize, cqSize)),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return fmt.Errorf("mmap io_uring rings: %w", err)
	}
	r.sqeMem, err = unix.Mmap(r.Fd, offSQEs, int(p.sqEntries)*int(unsafe.Sizeof(SQE{})),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		unix.Munmap(r.rings)
		return fmt.Errorf("mmap io_uring SQEs: %w", err)
	}
	word := func(off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&r.rings[off])) }
	r.sqHead, r.sqTail = word(p.sqOff.head), word(p.sqOff.tail)
	r.sqMask = *word(p.sqOff.ringMask)
	array := unsafe.Slice(word(p.sqOff.array), p.sqEntries)
	for i := range array {
		array[i] = uint32(i)
	}
	r.sqes = unsafe.Slice((*SQE)(unsafe.Pointer(&r.sqeMem[0])), p.sqEntries)
	r.sqeTail = *r.sqTail
	r.cqHead, r.cqTail = word(p.cqOff.head), word(p.cqOff.tail)
	r.cqMask = *word(p.cqOff.ringMask)
	r.cqes = unsafe.Slice((*CQE)(unsafe.Pointer(&r.rings[p.cqOff.cqes])), p.cqEntries)
	return nil
}

// FlagNames names the setup flags the ring got, "none" for none.
func (r *Ring) FlagNames() string {
	var names []string
	for _, f := range setupFlagNames {
		if r.Flags&f.flag != 0 && f.flag != SetupCQSize {
			names = append(names, f.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, " ")
}

// GetSQE returns the next free SQE, zeroed, for the caller to fill in; it
// goes to the kernel with the next Enter. A full SQ is submitted first
// (Enter without waiting), and if the kernel takes none of it (EBUSY: the
// completions it holds back must be read first) GetSQE returns that error.
func (r *Ring) GetSQE() (*SQE, error) {
	if r.sqeTail-atomic.LoadUint32(r.sqHead) > r.sqMask {
		if err := r.Enter(false, 0); err != nil && err != unix.EINTR {
			return nil, err
		}
		if r.sqeTail-atomic.LoadUint32(r.sqHead) > r.sqMask {
			return nil, fmt.Errorf("io_uring: submission queue full")
		}
	}
	sqe := &r.sqes[r.sqeTail&r.sqMask]
	*sqe = SQE{}
	r.sqeTail++
	return sqe, nil
}

// Enter publishes the SQEs written since the last call and calls
// io_uring_enter(2) to submit them and, if wait, to wait until a
// completion is there or timeout has passed (0: no limit). It always asks
// for completions (GETEVENTS): on a ring set up with SetupDeferTaskrun the
// kernel posts them only then, in this thread. It returns nil, or EINTR
// (a signal: the runtime's preemption, SIGURG, is one), ETIME (the timeout
// passed), EBUSY or EAGAIN (the kernel could not take the requests now), or
// any other errno of io_uring_enter.
func (r *Ring) Enter(wait bool, timeout time.Duration) error {
	atomic.StoreUint32(r.sqTail, r.sqeTail) // release: the SQEs first, then the tail
	toSubmit := r.sqeTail - atomic.LoadUint32(r.sqHead)
	minComplete, flags := uintptr(0), uintptr(enterGetEvents|enterExtArg)
	r.arg = getEventsArg{}
	if wait {
		minComplete = 1
		schedPoint() // a loop of one goroutine going from wait to wait: see sched.go
		if timeout > 0 {
			r.ts = unix.NsecToTimespec(int64(timeout))
			r.arg.ts = uint64(uintptr(unsafe.Pointer(&r.ts)))
		}
	}
	_, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.Fd), uintptr(toSubmit),
		minComplete, flags, uintptr(unsafe.Pointer(&r.arg)), unsafe.Sizeof(r.arg))
	if errno != 0 {
		return errno
	}
	return nil
}

// Completions calls f for each CQE in the completion queue, oldest first,
// giving each slot back to the kernel when f returns, and returns how many
// there were. f may write SQEs (GetSQE submits a full SQ itself); the CQEs
// that this posts wait for the next call.
func (r *Ring) Completions(f func(*CQE)) int {
	head := *r.cqHead // only this side moves it
	tail := atomic.LoadUint32(r.cqTail)
	for i := head; i != tail; i++ {
		f(&r.cqes[i&r.cqMask])
		atomic.StoreUint32(r.cqHead, i+1) // release: done with the slot
	}
	return int(tail - head)
}

// Close unmaps the ring and closes its descriptor; the kernel cancels
// whatever is still in flight.
func (r *Ring) Close() error {
	unix.Munmap(r.sqeMem)
	unix.Munmap(r.rings)
	return unix.Close(r.Fd)
}

// PrepNop makes sqe a request that does nothing: a completion to test with.
func (sqe *SQE) PrepNop(userData uint64) {
	sqe.Opcode, sqe.UserData = opNop, userData
}

// PrepAcceptMultishot makes sqe a multishot accept4(2) on listenfd with
// flags (SOCK_CLOEXEC): one CQE per connection, its descriptor in Res,
// until a CQE without CQEFMore (an error: EMFILE, ...) ends it. There is no
// peer address: one buffer for every connection would be overwritten by the
// next (see PeerName).
func (sqe *SQE) PrepAcceptMultishot(listenfd int, flags int, userData uint64) {
	sqe.Opcode, sqe.Fd, sqe.OpFlags, sqe.UserData = opAccept, int32(listenfd), uint32(flags), userData
	sqe.Ioprio = acceptMultishot
}

// PrepRecvMultishot makes sqe a multishot recv(2) on fd into buffers taken
// from the provided buffer ring bgid: one CQE per read, its length in Res and
// its buffer in CQE.Buffer, until the CQE that ends it: Res 0 (EOF), an
// error, or ENOBUFS when the ring has no free buffer, which leaves the data
// in the socket.
func (sqe *SQE) PrepRecvMultishot(fd int, bgid uint16, userData uint64) {
	sqe.Opcode, sqe.Fd, sqe.UserData = opRecv, int32(fd), userData
	sqe.Ioprio, sqe.Flags, sqe.BufGroup = recvMultishot, sqeBufferSelect, bgid
}

// PrepSend makes sqe a send(2) of buf on fd with flags (MSG_NOSIGNAL). buf
// must stay where it is, untouched, until the CQE: memory the garbage
// collector does not move and the caller does not reuse (a global, an
// mmap). Res may be short, as send's: the caller sends the rest.
func (sqe *SQE) PrepSend(fd int, buf []byte, flags int, userData uint64) {
	sqe.Opcode, sqe.Fd, sqe.UserData = opSend, int32(fd), userData
	sqe.Addr, sqe.Len, sqe.OpFlags = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(buf)))),
		uint32(len(buf)), uint32(flags)
}

// PrepSendmsg makes sqe a sendmsg(2) of msg on fd with flags
// (MSG_NOSIGNAL): one send gathered from msg's iovecs, such as a Reply's
// head and body (Reply.Msghdr). msg, its iovecs and what they point at must
// stay put, untouched, until the CQE, as PrepSend's buffer must.
func (sqe *SQE) PrepSendmsg(fd int, msg *unix.Msghdr, flags int, userData uint64) {
	sqe.Opcode, sqe.Fd, sqe.UserData = opSendmsg, int32(fd), userData
	sqe.Addr, sqe.Len, sqe.OpFlags = uint64(uintptr(unsafe.Pointer(msg))), 1, uint32(flags)
}

// PrepCancelFd makes sqe cancel every request in flight on fd (Linux 5.19):
// each ends with a CQE, ECANCELED if it had not already completed. Closing
// a descriptor does not: a request holds its own reference to the file.
// The cancel's own CQE comes only if it fails (ENOENT: nothing to cancel).
func (sqe *SQE) PrepCancelFd(fd int, userData uint64) {
	sqe.Opcode, sqe.Fd, sqe.UserData = opAsyncCancel, int32(fd), userData
	sqe.OpFlags, sqe.Flags = asyncCancelFd|asyncCancelAll, sqeCQESkipSuccess
}

// PrepCancel makes sqe cancel the request submitted with target as its user
// data, as PrepCancelFd does.
func (sqe *SQE) PrepCancel(target, userData uint64) {
	sqe.Opcode, sqe.Addr, sqe.UserData = opAsyncCancel, target, userData
	sqe.Flags = sqeCQESkipSuccess
}

// PrepClose makes sqe a close(2) of fd, whose CQE comes only if it fails.
func (sqe *SQE) PrepClose(fd int, userData uint64) {
	sqe.Opcode, sqe.Fd, sqe.UserData, sqe.Flags = opClose, int32(fd), userData, sqeCQESkipSuccess
}

// A BufRing is a provided buffer ring (IORING_REGISTER_PBUF_RING, Linux
// 5.19): buffers of one size that the process lends the kernel, which takes
// one for each read it completes for a request with IOSQE_BUFFER_SELECT,
// and names it in the CQE. The process gives it back with Recycle when it
// has used the data. So a connection waiting for a request holds no buffer:
// memory goes to the reads that happen, not to every connection that might
// read.
type BufRing struct {
	Group   uint16
	entries []bufRingEntry
	tail    *uint16 // in the resv field of entry 0: the kernel's layout
	mask    uint16
	next    uint16 // the tail, with what Recycle added since the last publish
	size    int
	ringMem []byte
	bufMem  []byte
	ring    *Ring
}

// struct io_uring_buf, one entry of the ring.
type bufRingEntry struct {
	addr uint64
	len  uint32
	bid  uint16
	resv uint16
}

// struct io_uring_buf_reg.
type bufReg struct {
	ringAddr    uint64
	ringEntries uint32
	bgid        uint16
	flags       uint16
	resv        [3]uint64
}

// SetupBufRing maps n buffers of size bytes (n a power of two, at most
// 32768) and a ring of n entries, registers the ring with r as buffer group
// bgid, and lends the kernel every buffer. It fails with EINVAL on a kernel
// older than 5.19, ENOMEM when memory is short.
func (r *Ring) SetupBufRing(bgid uint16, n, size int) (*BufRing, error) {
	if n <= 0 || n > 1<<15 || n&(n-1) != 0 {
		return nil, fmt.Errorf("buffer ring: %d entries, not a power of two to 32768", n)
	}
	b := &BufRing{Group: bgid, mask: uint16(n - 1), size: size, ring: r}
	var err error
	prot, flags := unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS
	ringSize := n * int(unsafe.Sizeof(bufRingEntry{}))
	if b.ringMem, err = unix.Mmap(-1, 0, ringSize, prot, flags); err != nil {
		return nil, fmt.Errorf("mmap buffer ring: %w", err)
	}
	if b.bufMem, err = unix.Mmap(-1, 0, n*size, prot, flags); err != nil {
		unix.Munmap(b.ringMem)
		return nil, fmt.Errorf("mmap buffers: %w", err)
	}
	b.entries = unsafe.Slice((*bufRingEntry)(unsafe.Pointer(&b.ringMem[0])), n)
	b.tail = &b.entries[0].resv
	reg := bufReg{ringAddr: uint64(uintptr(unsafe.Pointer(&b.ringMem[0]))),
		ringEntries: uint32(n), bgid: bgid}
	if err := ioUringRegister(r.Fd, registerPbufRing, unsafe.Pointer(&reg), 1); err != nil {
		b.unmap()
		return nil, fmt.Errorf("io_uring_register PBUF_RING: %w", err)
	}
	for i := range n {
		b.Recycle(uint16(i))
	}
	return b, nil
}

// Buf is buffer bid's first n bytes.
func (b *BufRing) Buf(bid uint16, n int) []byte {
	off := int(bid) * b.size
	return b.bufMem[off : off+n : off+b.size]
}

// Recycle lends buffer bid to the kernel again: an entry at the ring's
// tail, published at once by a store-release of the tail.
func (b *BufRing) Recycle(bid uint16) {
	e := &b.entries[b.next&b.mask]
	e.addr = uint64(uintptr(unsafe.Pointer(&b.bufMem[int(bid)*b.size])))
	e.len, e.bid = uint32(b.size), bid
	b.next++
	atomicStoreUint16(b.tail, b.next)
}

// Close unregisters the buffer ring and unmaps it.
func (b *BufRing) Close() error {
	reg := bufReg{bgid: b.Group}
	err := ioUringRegister(b.ring.Fd, unregisterPbufRing, unsafe.Pointer(&reg), 1)
	b.unmap()
	return err
}

func (b *BufRing) unmap() {
	unix.Munmap(b.bufMem)
	unix.Munmap(b.ringMem)
}

// atomicStoreUint16 stores v at p with release order. Go has no 16-bit
// atomics; the tail is the upper half of an aligned 32-bit word whose lower
// half (entry 0's bid) only the process writes, so it stores the whole word.
// It is never written while the kernel could be reading entry 0's bid as
// part of a buffer, since entry 0 is then lent and not being written.
func atomicStoreUint16(p *uint16, v uint16) {
	word := (*uint32)(unsafe.Add(unsafe.Pointer(p), -2))
	lo := *word & 0xffff // little-endian: entry 0's bid
	atomic.StoreUint32(word, lo|uint32(v)<<16)
}

// ioUringSetup is io_uring_setup(2), which x/sys/unix has no wrapper for.
func ioUringSetup(entries uint32, p *ringParams) (int, error) {
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries),
		uintptr(unsafe.Pointer(p)), 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

// ioUringRegister is io_uring_register(2), which x/sys/unix has no wrapper
// for.
func ioUringRegister(fd int, op uintptr, arg unsafe.Pointer, nargs uintptr) error {
	_, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(fd), op, uintptr(arg),
		nargs, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// RingUnavailable reports whether err says that this kernel or this process
// may not use io_uring at all: ENOSYS (not built in) or EPERM (disabled by
// kernel.io_uring_disabled, or refused by a seccomp filter, as container
// runtimes' default profiles do).
func RingUnavailable(err error) bool {
	return errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM)
}
