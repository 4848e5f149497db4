//go:build linux && (amd64 || arm64)

package unp

import (
	"sync/atomic"
	"syscall"
	"unsafe"
)

// The life of a child made by rawClone (rawfork.go says the rules): the
// book's child loops, child02.c to child05.c and serv01.c's child, with the
// package's web_child, request reader, error line and accept back-off
// written again in the narrow Go such a child may run (and NextRequest and
// Reply, for the book's line and HTTP, in rawhttp.go). Every function here is
// //go:nosplit and every buffer a package-level array, the child's own copy.
//
// Departure: where Web_child, Rline and Accept depart from web_child.c,
// readline_r.c and lib/wrapsock.c (an error line and the connection's end
// instead of err_quit, the idle timeout, the accept back-off), these
// rewritings depart in the same way; those files say why.

// The child's buffers.
var (
	rawBuf     [MaxHead]byte // the request buffer: an Rline's
	rawR, rawW uint          // unread bytes are rawBuf[rawR:rawW]
	rawMsg     [512]byte     // one error line, written in one write(2)
	rawMsgLen  uint
	rawSa      [128]byte // accept's sockaddr: a RawSockaddrAny
	rawSalen   uint32
	rawPeer    [64]byte // the client's address, when the parent sent it (serv01, serv05)
	rawPeerLen uint
	rawPeerSa  bool     // the client's address is rawSa, to be formatted if needed
	rawCmsg    [24]byte // CMSG_SPACE(sizeof(int)): serv05's SCM_RIGHTS
	rawIov     [2]uintptr
	rawHdr     struct { // struct msghdr, with no Go pointers in it
		name       uintptr
		namelen    uint32
		_          uint32
		iov        uintptr
		iovlen     uint64
		control    uintptr
		controllen uint64
		flags      int32
		_          int32
	}
	rawTs [2]int64 // struct timespec, for nanosleep and clock_gettime

	// The futex lock's robust list (lock_pthread.go) and owner.
	rawHead robustHead
	rawTid  uint32
)

// What the child sets up before it serves: SIGTERM's default action (as a
// C child has it) and a mask blocking every other signal.
var (
	rawSigDefault [4]uint64 // struct kernel_sigaction: SIG_DFL, no flags, no mask
	rawSigmask    = ^uint64(0) &^ (1 << (syscall.SIGTERM - 1))
	rawLockIt     = syscall.Flock_t{Type: syscall.F_WRLCK} // whole file
	rawUnlockIt   = syscall.Flock_t{Type: syscall.F_UNLCK}
)

const (
	resultMask    = MAXN - 1 // MAXN and rawPeer's size are powers of 2
	sysCloseRange = 436      // close_range(2), Linux 5.9; the same number on every architecture
)

// rawChildMain is where the child begins, returning from clone in
// rawClone: it makes the process the book's C child would be, and runs
// the loop rawArgs.kind names. It never returns.
//
//go:nosplit
func rawChildMain() {
	rawSys(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGTERM),
		uintptr(unsafe.Pointer(&rawSigDefault)), 0, 8)
	rawSys(syscall.SYS_RT_SIGPROCMASK, 2, // SIG_SETMASK
		uintptr(unsafe.Pointer(&rawSigmask)), 0, 8)
	rawSys(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0)
	if ppid, _ := rawSys(syscall.SYS_GETPPID, 0, 0, 0, 0); ppid != rawArgs.ppid {
		rawExit(0) // the parent died before PR_SET_PDEATHSIG: nobody to signal us
	}
	rawCloseOthers()
	switch rawArgs.kind {
	case kindAccept:
		rawChildLoop()
	case kindFdpass:
		rawChildLoop05()
	case kindConn:
		rawPeerLen = 0
		for i := 0; i < rawArgs.peerLen && i < len(rawPeer); i++ {
			rawPeer[i] = rawArgs.peer[i]
			rawPeerLen++
		}
		rawWebChild(rawArgs.fd)
	}
	rawExit(0)
}

// rawCloseOthers closes every descriptor but 0, 1, 2 and rawArgs.keep:
// the parent's runtime (its epoll and signal pipe), its other children's
// pipes, serv01's listener.
//
// Departure: a C child inherits them too and the book (serv01.c,
// child05.c) closes only the listener; here they would be leaks the Go
// parent never had.
//
//go:nosplit
func rawCloseOthers() {
	lo := 3
	for _, k := range &rawArgs.keep {
		if k < lo {
			continue
		}
		if k > lo {
			rawSys(sysCloseRange, uintptr(lo), uintptr(k-1), 0, 0)
		}
		lo = k + 1
	}
	rawSys(sysCloseRange, uintptr(lo), uintptr(^uint32(0)), 0, 0)
}

// rawChildLoop is child02.c's loop, and child03.c's and child04.c's when
// rawArgs.lockKind names their lock: lock, accept, unlock, count, serve.
//
//go:nosplit
func rawChildLoop() {
	rawSayStarting()
	if rawArgs.lockKind == lockFutex {
		rawMutexInit()
	}
	for {
		rawLockWait()
		connfd, errno := rawAccept(rawArgs.fd)
		rawLockRelease()
		if errno != 0 {
			rawAcceptFailed(errno) // e.g. EMFILE: say so, wait, try again
			continue
		}
		rawAcceptSucceeded()
		if rawArgs.count != nil {
			atomic.AddInt64(rawArgs.count, 1)
		}
		rawPeerSa = true
		rawWebChild(connfd)
		rawSys(syscall.SYS_CLOSE, uintptr(connfd), 0, 0, 0)
	}
}

// rawChildLoop05 is child05.c's loop: receive a descriptor and the
// client's address from the parent, serve, close, write one byte back.
// EOF from the parent ends the child quietly, as serv05's child_main.
//
//go:nosplit
func rawChildLoop05() {
	rawSayStarting()
	pipefd := rawArgs.fd
	for {
		rawIov[0], rawIov[1] = uintptr(unsafe.Pointer(&rawPeer)), uintptr(len(rawPeer))
		rawHdr.iov, rawHdr.iovlen = uintptr(unsafe.Pointer(&rawIov)), 1
		rawHdr.control, rawHdr.controllen = uintptr(unsafe.Pointer(&rawCmsg)), uint64(len(rawCmsg))
		rawHdr.flags = 0
		n, errno := rawSys(syscall.SYS_RECVMSG, uintptr(pipefd), uintptr(unsafe.Pointer(&rawHdr)), 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			rawDie("read_fd", errno)
		}
		if n == 0 {
			rawExit(0) // the parent closed its end: we are not wanted
		}
		// One cmsghdr: len (8 bytes), level, type (4 each), then the int.
		cm := &rawCmsg
		if rawHdr.flags&syscall.MSG_CTRUNC != 0 || rawHdr.controllen < 20 ||
			*(*int32)(unsafe.Pointer(&cm[8])) != syscall.SOL_SOCKET ||
			*(*int32)(unsafe.Pointer(&cm[12])) != syscall.SCM_RIGHTS {
			rawDie("no descriptor from read_fd", 0)
		}
		connfd := int(*(*int32)(unsafe.Pointer(&cm[16])))
		rawPeerLen, rawPeerSa = min(uint(n), uint(len(rawPeer))), false
		rawWebChild(connfd)
		rawSys(syscall.SYS_CLOSE, uintptr(connfd), 0, 0, 0)
		for { // tell parent we're ready again
			_, errno = rawSys(syscall.SYS_WRITE, uintptr(pipefd), uintptr(unsafe.Pointer(&rawPeer)), 1, 0)
			if errno != syscall.EINTR {
				break
			}
		}
		if errno != 0 {
			rawDie("write to parent", errno)
		}
	}
}

// rawWebChild serves one connection: Web_child, the book's line and
// HTTP. A bad request, an error or the idle timeout ends the connection
// with one line on stderr naming the client, in the words Web_child's
// error gives; bad HTTP gets its status first.
//
//go:nosplit
func rawWebChild(connfd int) {
	rawR, rawW = 0, 0
	for {
		status, why, errno := rawRequest(connfd)
		switch {
		case status == rawEOF:
			return
		case status == rawReading:
			rawPeerMsg("reading request: ")
			rawMsgWhy(why, errno)
			rawMsgEnd()
			return
		case why != "":
			rawSendStatus(connfd, status)
			rawPeerMsg("")
			rawMsgBadRequest(status, why)
			rawMsgEnd()
			return
		}
		rawStartReply()
		if why, errno := rawWriteReply(connfd); why != "" || errno != 0 {
			rawPeerMsg("writing ")
			rawMsgUint(uint64(rawReq.n))
			rawMsgString("-byte reply: ")
			rawMsgWhy(why, errno)
			rawMsgEnd()
			return
		}
		if rawReq.close {
			return
		}
	}
}

// rawRequest reads the next request into rawReq: Rline.Request. It returns
// status 0 and no why for a request; or rawEOF at a clean end; or
// rawReading and why a read failed (the text of the error Rline.Request
// would return, or errno); or a bad request's status (0 for the book's
// line) and why, as rawNextRequest.
//
//go:nosplit
func rawRequest(fd int) (status int, why string, errno syscall.Errno) {
	var begun int64 // when we first waited for the rest of this request
	for {
		took, status, why := rawNextRequest()
		if why != "" {
			return status, why, 0
		}
		if took > 0 {
			rawR += took
			return 0, "", 0
		}
		if rawR > 0 { // slide the partial request to the front
			n := rawW - rawR
			for i := uint(0); i < n; i++ {
				rawBuf[i&headMask] = rawBuf[(rawR+i)&headMask]
			}
			rawR, rawW = 0, n
		}
		if rawW >= MaxHead { // rawNextRequest's limits come first: never
			return rawReading, "line longer than 4096 bytes", 0
		}
		if rawW > 0 && rawArgs.idle > 0 {
			if now := rawNow(); begun == 0 {
				begun = now
			} else if now-begun > rawArgs.idle {
				return rawReading, "line not complete within the idle timeout", 0
			}
		}
		n, errno := rawSys(syscall.SYS_READ, uintptr(fd),
			uintptr(unsafe.Pointer(&rawBuf[rawW&headMask])), uintptr(MaxHead-rawW), 0)
		switch {
		case errno == syscall.EINTR:
			continue
		case errno == syscall.EAGAIN:
			return rawReading, "idle timeout", 0
		case errno != 0:
			return rawReading, "", errno
		case n == 0 && rawW > 0:
			return rawReading, "connection closed in mid-line", 0
		case n == 0:
			return rawEOF, "", 0
		}
		rawW += uint(n)
	}
}

// rawParseRequest parses the book's request line rawBuf[start:end], its
// carriage return removed, as ParseRequest: it returns the byte count, or
// why the line is not one. HTTP's path /N is parsed here too.
//
//go:nosplit
func rawParseRequest(start, end uint) (int, string) {
	if end == start {
		return 0, "empty line"
	}
	n := 0
	for i := start; i < end; i++ {
		c := rawBuf[i&headMask]
		if c < '0' || c > '9' {
			return 0, "not a decimal byte count"
		}
		if n = n*10 + int(c-'0'); n > MAXN {
			return 0, "more than MAXN (16384) bytes"
		}
	}
	if n == 0 {
		return 0, "zero bytes"
	}
	return n, ""
}

// rawAccept is Accept: accept4, again after EINTR and ECONNABORTED, and
// after EAGAIN, which on the shared blocking listener is SO_RCVTIMEO
// running out with no client. The address goes to rawSa.
//
//go:nosplit
func rawAccept(listenfd int) (int, syscall.Errno) {
	for {
		rawSalen = uint32(len(rawSa))
		fd, _, errno := syscall.RawSyscall6(syscall.SYS_ACCEPT4, uintptr(listenfd),
			uintptr(unsafe.Pointer(&rawSa)), uintptr(unsafe.Pointer(&rawSalen)), 0, 0, 0)
		if errno == syscall.EINTR || errno == syscall.ECONNABORTED || errno == syscall.EAGAIN {
			continue
		}
		return int(fd), errno
	}
}

// rawLockWait and rawLockRelease are My_lock_wait and My_lock_release for
// the lock rawArgs names: none (serv02), fcntl (serv03), futex (serv04).
//
//go:nosplit
func rawLockWait() {
	switch rawArgs.lockKind {
	case lockFcntl:
		rawFcntlLock(&rawLockIt, "fcntl error for my_lock_wait")
	case lockFutex:
		rawMutexWait()
	}
}

//go:nosplit
func rawLockRelease() {
	switch rawArgs.lockKind {
	case lockFcntl:
		rawFcntlLock(&rawUnlockIt, "fcntl error for my_lock_release")
	case lockFutex:
		rawMutexRelease()
	}
}

//go:nosplit
func rawFcntlLock(how *syscall.Flock_t, what string) {
	for {
		_, errno := rawSys(syscall.SYS_FCNTL, uintptr(rawArgs.lockfd), syscall.F_SETLKW,
			uintptr(unsafe.Pointer(how)), 0)
		if errno == 0 {
			return
		}
		if errno != syscall.EINTR {
			rawDie(what, errno)
		}
	}
}

// rawMutexInit registers the child's robust list, which a fork does not
// inherit; the child's one thread owns the mutex whenever it holds it.
//
//go:nosplit
func rawMutexInit() {
	tid, _ := rawSys(syscall.SYS_GETTID, 0, 0, 0, 0)
	rawTid = uint32(tid)
	rawHead.next = uintptr(unsafe.Pointer(&rawHead))
	rawHead.futexOffset = futexOffset
	rawHead.listOpPending = 0
	if _, errno := rawSys(syscall.SYS_SET_ROBUST_LIST, uintptr(unsafe.Pointer(&rawHead)),
		unsafe.Sizeof(rawHead), 0, 0); errno != 0 {
		rawDie("set_robust_list", errno)
	}
}

// rawMutexWait is mutexLock.My_lock_wait, for the child's one thread.
//
//go:nosplit
func rawMutexWait() {
	word, h := rawArgs.word, &rawHead
	h.listOpPending = uintptr(unsafe.Pointer(rawArgs.entry)) // if we die mid-acquire
	waited := false
	for {
		v := atomic.LoadUint32(word)
		if v&futexTIDMask == 0 { // free, or its owner died
			nv := rawTid
			if waited || v&(futexWaiters|futexOwnerDied) != 0 {
				nv |= futexWaiters
			}
			if atomic.CompareAndSwapUint32(word, v, nv) {
				if v&futexOwnerDied != 0 {
					rawMsgStart()
					rawMsgString("mutex: previous owner died holding it; recovered")
					rawMsgEnd()
				}
				break
			}
			continue
		}
		if v&futexWaiters == 0 && !atomic.CompareAndSwapUint32(word, v, v|futexWaiters) {
			continue
		}
		rawSys(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWait,
			uintptr(v|futexWaiters), 0) // EINTR, EAGAIN: just look again
		waited = true
	}
	*rawArgs.entry = uintptr(unsafe.Pointer(h)) // entry -> head: the list's end
	h.next = uintptr(unsafe.Pointer(rawArgs.entry))
	h.listOpPending = 0
}

// rawMutexRelease is mutexLock.My_lock_release.
//
//go:nosplit
func rawMutexRelease() {
	word, h := rawArgs.word, &rawHead
	h.listOpPending = uintptr(unsafe.Pointer(rawArgs.entry))
	h.next = uintptr(unsafe.Pointer(h)) // unlink before the word says "free"
	if atomic.SwapUint32(word, 0)&futexWaiters != 0 {
		rawSys(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(word)), futexWake, 1, 0)
	}
	h.listOpPending = 0
}

// The accept back-off: Backoff, for one process with one loop.
var rawBackoff struct {
	failing                    bool
	pause, since, last, logged int64 // ns; the last three on CLOCK_MONOTONIC
	missed, total              uint64
}

// rawAcceptFailed is Backoff.Failed followed by its pause: 5 ms doubling
// to 500 ms, one line a second at most.
//
//go:nosplit
func rawAcceptFailed(errno syscall.Errno) {
	b := &rawBackoff
	now := rawNow()
	if !b.failing {
		b.since, b.total, b.failing = now, 0, true
	}
	b.pause = min(max(2*b.pause, int64(backoffMin)), int64(backoffMax))
	b.last = now
	b.total++
	b.missed++
	if now-b.logged >= int64(backoffEvery) {
		rawMsgStart()
		rawMsgString("accept: ")
		rawMsgWhy("", errno)
		if b.missed > 1 {
			rawMsgString(" (")
			rawMsgUint(b.missed)
			rawMsgString(" times in ")
			rawMsgSeconds(now - b.logged)
			rawMsgString("s)")
		}
		rawMsgString("; backing off")
		rawMsgEnd()
		b.logged, b.missed = now, 0
	}
	rawTs[0], rawTs[1] = b.pause/1e9, b.pause%1e9
	for {
		_, errno := rawSys(syscall.SYS_NANOSLEEP, uintptr(unsafe.Pointer(&rawTs)),
			uintptr(unsafe.Pointer(&rawTs)), 0, 0)
		if errno != syscall.EINTR {
			break
		}
	}
}

// rawAcceptSucceeded is Backoff.Succeeded.
//
//go:nosplit
func rawAcceptSucceeded() {
	b := &rawBackoff
	if !b.failing {
		return
	}
	b.pause = 0
	if rawNow()-b.last < int64(backoffEvery) {
		return
	}
	rawMsgStart()
	rawMsgString("accept: working again after ")
	rawMsgUint(b.total)
	rawMsgString(" failures in ")
	rawMsgSeconds(b.last - b.since)
	rawMsgString("s")
	rawMsgEnd()
	b.failing, b.missed = false, 0
}

// rawNow reads CLOCK_MONOTONIC in ns, by the system call: the vDSO is the
// runtime's to call.
//
//go:nosplit
func rawNow() int64 {
	rawSys(syscall.SYS_CLOCK_GETTIME, 1, uintptr(unsafe.Pointer(&rawTs)), 0, 0) // CLOCK_MONOTONIC
	return rawTs[0]*1e9 + rawTs[1]
}

// rawSayStarting prints "child PID starting", as a pooled child does.
//
//go:nosplit
func rawSayStarting() {
	pid, _ := rawSys(syscall.SYS_GETPID, 0, 0, 0, 0)
	rawMsgLen = 0
	rawMsgString("child ")
	rawMsgUint(uint64(pid))
	rawMsgString(" starting\n")
	rawSys(syscall.SYS_WRITE, 1, uintptr(unsafe.Pointer(&rawMsg)), uintptr(rawMsgLen), 0)
}

// rawDie is Err_sys (errno 0: Err_quit): one line, exit status 1.
//
//go:nosplit
func rawDie(what string, errno syscall.Errno) {
	rawMsgStart()
	rawMsgString(what)
	if errno != 0 {
		rawMsgString(": ")
		rawMsgWhy("", errno)
	}
	rawMsgEnd()
	rawExit(1)
}

//go:nosplit
func rawExit(status int) {
	for {
		rawSys(syscall.SYS_EXIT_GROUP, uintptr(status), 0, 0, 0)
	}
}

//go:nosplit
func rawSys(trap, a1, a2, a3, a4 uintptr) (uintptr, syscall.Errno) {
	r, _, errno := syscall.RawSyscall6(trap, a1, a2, a3, a4, 0, 0)
	return r, errno
}

// The error line, built in rawMsg as Err_msg builds it: the program's
// name, ": ", the message, a newline, in one write(2).

//go:nosplit
func rawMsgStart() {
	rawMsgLen = 0
	for i := 0; i < rawArgs.progLen && i < len(rawArgs.prog); i++ {
		rawMsgByte(rawArgs.prog[i])
	}
	rawMsgString(": ")
}

//go:nosplit
func rawMsgEnd() {
	rawMsgLen = min(rawMsgLen, uint(len(rawMsg)-1))
	rawMsg[rawMsgLen&(uint(len(rawMsg))-1)] = '\n'
	rawSys(syscall.SYS_WRITE, 2, uintptr(unsafe.Pointer(&rawMsg)), uintptr(rawMsgLen+1), 0)
}

//go:nosplit
func rawMsgByte(c byte) {
	if n := rawMsgLen; n < uint(len(rawMsg)-1) { // room kept for the newline
		rawMsg[n] = c
		rawMsgLen = n + 1
	}
}

//go:nosplit
func rawMsgString(s string) {
	for i := 0; i < len(s); i++ {
		rawMsgByte(s[i])
	}
}

//go:nosplit
func rawMsgUint(v uint64) {
	var d [32]byte
	i := uint(len(d))
	for {
		i--
		d[i&31] = byte('0' + v%10)
		if v /= 10; v == 0 || i == 0 {
			break
		}
	}
	for ; i < uint(len(d)); i++ {
		rawMsgByte(d[i])
	}
}

// rawMsgSeconds writes ns as seconds with one decimal, as %.1f.
//
//go:nosplit
func rawMsgSeconds(ns int64) {
	tenths := uint64(max(ns, 0)+5e7) / 1e8
	rawMsgUint(tenths / 10)
	rawMsgByte('.')
	rawMsgByte(byte('0' + tenths%10))
}

// rawMsgWhy writes why, or else errno's text as Go's syscall.Errno says it,
// the idle timeout's for EAGAIN.
//
//go:nosplit
func rawMsgWhy(why string, errno syscall.Errno) {
	if why != "" {
		rawMsgString(why)
		return
	}
	switch errno {
	case syscall.EAGAIN:
		rawMsgString("idle timeout")
	case syscall.ECONNRESET:
		rawMsgString("connection reset by peer")
	case syscall.EPIPE:
		rawMsgString("broken pipe")
	case syscall.ETIMEDOUT:
		rawMsgString("connection timed out")
	case syscall.EMFILE:
		rawMsgString("too many open files")
	case syscall.ENFILE:
		rawMsgString("too many open files in system")
	case syscall.ENOBUFS:
		rawMsgString("no buffer space available")
	case syscall.ENOMEM:
		rawMsgString("cannot allocate memory")
	case syscall.EBADF:
		rawMsgString("bad file descriptor")
	case syscall.EINVAL:
		rawMsgString("invalid argument")
	case syscall.EIO:
		rawMsgString("input/output error")
	default:
		rawMsgString("errno ")
		rawMsgUint(uint64(errno))
	}
}

// rawMsgQuote writes the request bytes rawBuf[start:end] as %q writes
// the first 40 of them in a RequestError. Departure from %q: a byte above
// 0x7e is always \x escaped, where %q prints a printable UTF-8 character.
//
//go:nosplit
func rawMsgQuote(start, end uint) {
	end = min(end, start+40)
	const hex = "0123456789abcdef"
	for i := start; i < end; i++ {
		c := rawBuf[i&headMask]
		switch {
		case c == '"' || c == '\\':
			rawMsgByte('\\')
			rawMsgByte(c)
		case c >= 0x20 && c < 0x7f:
			rawMsgByte(c)
		case c == '\a':
			rawMsgString(`\a`)
		case c == '\b':
			rawMsgString(`\b`)
		case c == '\f':
			rawMsgString(`\f`)
		case c == '\n':
			rawMsgString(`\n`)
		case c == '\r':
			rawMsgString(`\r`)
		case c == '\t':
			rawMsgString(`\t`)
		case c == '\v':
			rawMsgString(`\v`)
		default:
			rawMsgString(`\x`)
			rawMsgByte(hex[c>>4])
			rawMsgByte(hex[c&15])
		}
	}
}

// rawPeerMsg starts an error line about the client: "PROG: PEER: what".
//
//go:nosplit
func rawPeerMsg(what string) {
	rawMsgStart()
	if rawPeerSa {
		rawMsgSockaddr()
	} else {
		for i := uint(0); i < rawPeerLen; i++ {
			rawMsgByte(rawPeer[i&(uint(len(rawPeer))-1)])
		}
	}
	rawMsgString(": ")
	rawMsgString(what)
}

// rawMsgSockaddr writes accept's address in rawSa as Sock_ntop does:
// HOST:PORT, an IPv6 host in brackets, its longest run of zero groups as
// "::" (RFC 5952), an IPv4-mapped one as ::ffff:a.b.c.d.
//
//go:nosplit
func rawMsgSockaddr() {
	sa := &rawSa
	port := uint64(sa[2])<<8 | uint64(sa[3])
	switch *(*uint16)(unsafe.Pointer(&sa[0])) {
	case syscall.AF_INET:
		rawMsgIPv4(4)
	case syscall.AF_INET6:
		rawMsgByte('[')
		rawMsgIPv6()
		rawMsgByte(']')
	default:
		rawMsgString("(unknown address family)")
		return
	}
	rawMsgByte(':')
	rawMsgUint(port)
}

// rawMsgIPv4 writes the four bytes of rawSa at off as a dotted quad.
//
//go:nosplit
func rawMsgIPv4(off uint) {
	for i := uint(0); i < 4; i++ {
		if i > 0 {
			rawMsgByte('.')
		}
		rawMsgUint(uint64(rawSa[(off+i)&127]))
	}
}

// rawMsgIPv6 writes the address of the sockaddr_in6 in rawSa (bytes 8 to
// 23).
//
//go:nosplit
func rawMsgIPv6() {
	var g [8]uint64
	for i := range g {
		g[i] = uint64(rawSa[(8+2*i)&127])<<8 | uint64(rawSa[(9+2*i)&127])
	}
	if g[0]|g[1]|g[2]|g[3]|g[4] == 0 && g[5] == 0xffff {
		rawMsgString("::ffff:")
		rawMsgIPv4(20)
		return
	}
	best, bestLen := -1, 1 // a single zero group is not compressed
	for i := 0; i < len(g); {
		j := i
		for j < len(g) && g[j&7] == 0 {
			j++
		}
		if j-i > bestLen {
			best, bestLen = i, j-i
		}
		i = j + 1
	}
	const hex = "0123456789abcdef"
	for i := 0; i < len(g); i++ {
		if i == best {
			rawMsgString("::")
			i += bestLen - 1
			continue
		}
		if i > 0 && i != best+bestLen {
			rawMsgByte(':')
		}
		v, started := g[i&7], false
		for shift := 12; shift >= 0; shift -= 4 {
			if d := (v >> uint(shift)) & 15; d != 0 || started || shift == 0 {
				rawMsgByte(hex[d])
				started = true
			}
		}
	}
}
