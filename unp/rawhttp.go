//go:build linux && (amd64 || arm64)

package unp

import (
	"syscall"
	"unsafe"
)

// The raw child's HTTP face: NextRequest, Reply and StatusReply (request.go,
// reply.go) written again in the narrow Go of rawchild.go, so that a -fork
// child answers what an exec child answers: the same verdict on every
// buffer, the same reply bytes, the same log line. TestRawNextRequest and
// FuzzRawParse hold the two parsers to each other.
//
// The request is rawBuf[rawR:rawW]. Positions are indexes into rawBuf, and
// every read of it is masked with headMask, so that none needs a bounds
// check; a range is two positions, start and end, as a slice would be.

// rawReq is the request rawNextRequest found: a Request's fields.
var rawReq struct {
	n                                int
	http, headOnly, close, keepAlive bool
}

// rawBadStart and rawBadEnd are the line a bad request's error quotes (the
// first 40 bytes of it), as a RequestError's Line.
var rawBadStart, rawBadEnd uint

// What rawNextRequest and rawRequest return for status when there is no
// request, and no HTTP status to send: a read that failed (or a book's line
// too long, which Web_child words as a read error too), and a clean EOF.
const (
	rawReading = -1
	rawEOF     = -2
)

const headMask = MaxHead - 1 // MaxHead is a power of 2

// rawNextRequest is NextRequest(rawBuf[rawR:rawW]). It returns how many
// bytes the request it put in rawReq took; or 0 and no why when only the
// beginning of one is in; or why the connection ends, with status the
// RequestError's Status (0 for the book's line, which gets no reply) or
// rawReading for a book's line longer than MAXLINE, and with the line to
// quote in rawBadStart and rawBadEnd.
//
//go:nosplit
func rawNextRequest() (took uint, status int, why string) {
	r, w := rawR, rawW
	if r >= w {
		return 0, 0, ""
	}
	if c := rawBuf[r&headMask]; c >= 'A' && c <= 'Z' {
		return rawNextHTTP(r, w)
	}
	lim := min(w, r+MAXLINE)
	if i := rawIndex(r, lim, '\n'); i < lim {
		e := rawTrimCR(r, i)
		n, why := rawParseRequest(r, e)
		if why != "" {
			rawBadStart, rawBadEnd = r, e
			return 0, 0, why
		}
		rawReq.n, rawReq.http, rawReq.headOnly, rawReq.close, rawReq.keepAlive = n, false, false, false, false
		return i + 1 - r, 0, ""
	}
	if w-r >= MAXLINE {
		return 0, rawReading, "line longer than 4096 bytes"
	}
	return 0, 0, ""
}

// rawNextHTTP is nextHTTP: the request line judged as soon as it is in,
// the header fields once the blank line has come.
//
//go:nosplit
func rawNextHTTP(r, w uint) (took uint, status int, why string) {
	const tooLong = "head longer than 8192 bytes"
	hw := min(w, r+MaxHead) // the head: rawBuf[r:hw]
	i := rawIndex(r, hw, '\n')
	if i == hw {
		if w-r >= MaxHead {
			rawBadStart, rawBadEnd = r, w
			return 0, 431, tooLong
		}
		return 0, 0, ""
	}
	rawBadStart, rawBadEnd = r, rawTrimCR(r, i)
	http10, status, why := rawRequestLine(rawBadStart, rawBadEnd)
	if why != "" {
		return 0, status, why
	}
	close, keepAlive := false, false
	for n := i + 1; ; { // the header fields, one a line, up to an empty one
		j := rawIndex(n, hw, '\n')
		if j == hw {
			if w-r >= MaxHead {
				return 0, 431, tooLong
			}
			return 0, 0, ""
		}
		e := rawTrimCR(n, j)
		if e == n { // the end of the head
			rawReq.close = close || http10 && !keepAlive
			rawReq.keepAlive = http10 && !rawReq.close
			return j + 1 - r, 0, ""
		}
		c, k, why := rawHeader(n, e)
		if why != "" {
			return 0, 400, why
		}
		close, keepAlive = close || c, keepAlive || k
		n = j + 1
	}
}

// rawRequestLine is parseRequestLine on rawBuf[s:e]: "METHOD /N HTTP/1.x",
// its count and method in rawReq.
//
//go:nosplit
func rawRequestLine(s, e uint) (http10 bool, status int, why string) {
	sp1 := rawIndex(s, e, ' ')
	sp2 := e
	if sp1 < e {
		sp2 = rawIndex(sp1+1, e, ' ')
	}
	if sp2 == e || !rawToken(s, sp1) || sp2 == sp1+1 {
		return false, 400, "malformed request line"
	}
	switch {
	case rawEqual(sp2+1, e, "HTTP/1.1"):
	case rawEqual(sp2+1, e, "HTTP/1.0"):
		http10 = true
	default:
		return false, 400, "not HTTP/1.0 or HTTP/1.1"
	}
	switch {
	case rawEqual(s, sp1, "GET"):
		rawReq.headOnly = false
	case rawEqual(s, sp1, "HEAD"):
		rawReq.headOnly = true
	default:
		return false, 501, "method not implemented"
	}
	ts, te := sp1+1, sp2 // the target
	if rawBuf[ts&headMask] != '/' || te-ts == 1 || rawBuf[(te-1)&headMask] == '\r' {
		return false, 404, "path is not a byte count"
	}
	n, why := rawParseRequest(ts+1, te)
	if why != "" {
		return false, 404, why
	}
	rawReq.n, rawReq.http = n, true
	return http10, 0, ""
}

// rawHeader is connection.header on the field rawBuf[s:e]: what it says of
// the connection, or why it is refused.
//
//go:nosplit
func rawHeader(s, e uint) (close, keepAlive bool, why string) {
	colon := rawIndex(s, e, ':')
	if colon == e || !rawToken(s, colon) {
		return false, false, "malformed header field"
	}
	v := colon + 1 // the value: rawBuf[v:e]
	switch {
	case rawEqualFold(s, colon, "Connection"):
		for o := v; ; o++ { // a list of options: "keep-alive, Upgrade"
			oe := rawIndex(o, e, ',')
			ts, te := rawTrimSpace(o, oe)
			switch {
			case rawEqualFold(ts, te, "close"):
				close = true
			case rawEqualFold(ts, te, "keep-alive"):
				keepAlive = true
			}
			if o = oe; o == e {
				break
			}
		}
	case rawEqualFold(s, colon, "Content-Length"):
		ts, te := rawTrimSpace(v, e)
		z := ts
		for z < te && rawBuf[z&headMask] == '0' {
			z++
		}
		if z < te || ts == te {
			return false, false, "request with a body"
		}
	case rawEqualFold(s, colon, "Transfer-Encoding"):
		return false, false, "request with a body"
	}
	return close, keepAlive, ""
}

// rawIndex returns the position of the first c in rawBuf[s:e], or e.
//
//go:nosplit
func rawIndex(s, e uint, c byte) uint {
	for ; s < e; s++ {
		if rawBuf[s&headMask] == c {
			return s
		}
	}
	return e
}

// rawTrimCR returns the end of rawBuf[s:e] without one carriage return at
// its end: trimCR.
//
//go:nosplit
func rawTrimCR(s, e uint) uint {
	if e > s && rawBuf[(e-1)&headMask] == '\r' {
		return e - 1
	}
	return e
}

// rawToken is token: an RFC 9110 token, a method or a field name.
//
//go:nosplit
func rawToken(s, e uint) bool {
	if s >= e {
		return false
	}
	for ; s < e; s++ {
		switch c := rawBuf[s&headMask]; c {
		case '"', '(', ')', ',', '/', ':', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}':
			return false
		default:
			if c <= ' ' || c >= 0x7f {
				return false
			}
		}
	}
	return true
}

// rawEqual reports whether rawBuf[s:e] is str.
//
//go:nosplit
func rawEqual(s, e uint, str string) bool {
	if s > e || e-s != uint(len(str)) {
		return false
	}
	for k := 0; k < len(str); k++ {
		if rawBuf[(s+uint(k))&headMask] != str[k] {
			return false
		}
	}
	return true
}

// rawEqualFold is asciiEqualFold on rawBuf[s:e].
//
//go:nosplit
func rawEqualFold(s, e uint, str string) bool {
	if s > e || e-s != uint(len(str)) {
		return false
	}
	for k := 0; k < len(str); k++ {
		if rawLower(rawBuf[(s+uint(k))&headMask]) != rawLower(str[k]) {
			return false
		}
	}
	return true
}

// rawLower is lower, for rawEqualFold: its own, so that the child runs
// nothing but raw functions however the compiler inlines.
//
//go:nosplit
func rawLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// rawTrimSpace is bytes.TrimSpace on rawBuf[s:e], which trims Unicode's
// white space, not only ASCII's: U+0085, U+00A0 and the spaces from U+1680
// to U+3000 in UTF-8 as well.
//
//go:nosplit
func rawTrimSpace(s, e uint) (uint, uint) {
	for s < e {
		n := rawSpaceAt(s, e)
		if n == 0 {
			break
		}
		s += n
	}
	for e > s {
		n := rawSpaceBefore(s, e)
		if n == 0 {
			break
		}
		e -= n
	}
	return s, e
}

// rawSpaceAt returns the length of the white space character beginning
// rawBuf[s:e], or 0.
//
//go:nosplit
func rawSpaceAt(s, e uint) uint {
	c := rawBuf[s&headMask]
	switch {
	case c == ' ' || c >= '\t' && c <= '\r':
		return 1
	case e-s >= 2 && c == 0xc2:
		if c1 := rawBuf[(s+1)&headMask]; c1 == 0x85 || c1 == 0xa0 {
			return 2
		}
	case e-s >= 3 && rawSpace3(c, rawBuf[(s+1)&headMask], rawBuf[(s+2)&headMask]):
		return 3
	}
	return 0
}

// rawSpaceBefore returns the length of the white space character ending
// rawBuf[s:e], or 0.
//
//go:nosplit
func rawSpaceBefore(s, e uint) uint {
	c := rawBuf[(e-1)&headMask]
	switch {
	case c == ' ' || c >= '\t' && c <= '\r':
		return 1
	case e-s >= 2 && (c == 0x85 || c == 0xa0) && rawBuf[(e-2)&headMask] == 0xc2:
		return 2
	case e-s >= 3 && rawSpace3(rawBuf[(e-3)&headMask], rawBuf[(e-2)&headMask], c):
		return 3
	}
	return 0
}

// rawSpace3 reports whether a, b, c encode a white space character in
// three bytes: U+1680, U+2000 to U+200A, U+2028, U+2029, U+202F, U+205F,
// U+3000.
//
//go:nosplit
func rawSpace3(a, b, c byte) bool {
	switch a {
	case 0xe1:
		return b == 0x9a && c == 0x80
	case 0xe2:
		return b == 0x80 && (c >= 0x80 && c <= 0x8a || c == 0xa8 || c == 0xa9 || c == 0xaf) ||
			b == 0x81 && c == 0x9f
	case 0xe3:
		return b == 0x80 && c == 0x80
	}
	return false
}

// The reply's head, built by rawStartReply, and the iovecs of a writev of
// head and body: two struct iovecs, base and length, as uintptrs, since a
// store of a pointer into a package-level variable is a write barrier.
var (
	rawReplyHead [maxReplyHead]byte
	rawReplyLen  uint
	rawReplyIov  [4]uintptr
)

// rawStartReply is Reply.Start(rawReq): the head, for HTTP, in
// rawReplyHead, the same bytes Start writes.
//
//go:nosplit
func rawStartReply() {
	rawReplyLen = 0
	if !rawReq.http {
		return
	}
	rawHeadString("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ")
	var d [20]byte // the count in decimal, backwards
	i, v := uint(len(d)), uint(rawReq.n)
	for {
		i--
		d[i%20] = byte('0' + v%10)
		if v /= 10; v == 0 || i == 0 {
			break
		}
	}
	for ; i < uint(len(d)); i++ {
		rawHeadByte(d[i])
	}
	switch {
	case rawReq.close:
		rawHeadString("\r\nConnection: close")
	case rawReq.keepAlive:
		rawHeadString("\r\nConnection: keep-alive")
	}
	rawHeadString("\r\n\r\n")
}

//go:nosplit
func rawHeadString(s string) {
	for i := 0; i < len(s); i++ {
		rawHeadByte(s[i])
	}
}

//go:nosplit
func rawHeadByte(c byte) {
	if n := rawReplyLen; n < uint(len(rawReplyHead)) {
		rawReplyHead[n] = c
		rawReplyLen = n + 1
	}
}

// rawWriteReply is Reply.Writen of rawStartReply's head and rawReq.n
// bytes of result (none for HEAD): one write(2) of a reply with no head,
// one writev(2) of head and body, more only when the socket takes less. It
// returns why it failed, Writen's words or errno.
//
//go:nosplit
func rawWriteReply(fd int) (string, syscall.Errno) {
	h, hlen := uint(0), rawReplyLen
	b, blen := uint(0), uint(rawReq.n)
	if rawReq.headOnly {
		blen = 0
	}
	for h < hlen || b < blen {
		var n uintptr
		var errno syscall.Errno
		switch {
		case h == hlen:
			n, errno = rawSys(syscall.SYS_WRITE, uintptr(fd),
				uintptr(unsafe.Pointer(&result[b&resultMask])), uintptr(blen-b), 0)
		case b == blen:
			n, errno = rawSys(syscall.SYS_WRITE, uintptr(fd),
				uintptr(unsafe.Pointer(&rawReplyHead[h%maxReplyHead])), uintptr(hlen-h), 0)
		default:
			rawReplyIov[0] = uintptr(unsafe.Pointer(&rawReplyHead[h%maxReplyHead]))
			rawReplyIov[1] = uintptr(hlen - h)
			rawReplyIov[2] = uintptr(unsafe.Pointer(&result[b&resultMask]))
			rawReplyIov[3] = uintptr(blen - b)
			n, errno = rawSys(syscall.SYS_WRITEV, uintptr(fd),
				uintptr(unsafe.Pointer(&rawReplyIov)), 2, 0)
		}
		switch {
		case errno == syscall.EINTR:
			continue
		case errno != 0:
			return "", errno // EAGAIN: rawMsgWhy says "idle timeout", as ErrIdle
		case n == 0:
			return "write returned 0", 0
		}
		k := min(uint(n), hlen-h)
		h += k
		b += uint(n) - k
	}
	return "", 0
}

// rawStatusReply is StatusReply: the whole reply to bad HTTP with status,
// or "" for none.
//
//go:nosplit
func rawStatusReply(status int) string {
	switch status {
	case 400:
		return "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	case 404:
		return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	case 431:
		return "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	case 501:
		return "HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	}
	return ""
}

// rawSendStatus is SendStatus: one send(2) that does not wait, whose
// failure does not matter.
//
//go:nosplit
func rawSendStatus(fd, status int) {
	if s := rawStatusReply(status); s != "" {
		rawSys(syscall.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(unsafe.StringData(s))),
			uintptr(len(s)), syscall.MSG_DONTWAIT|syscall.MSG_NOSIGNAL)
	}
}

// rawMsgBadRequest writes a RequestError's text: the line in rawBadStart
// and rawBadEnd quoted, why, and the status if there is one.
//
//go:nosplit
func rawMsgBadRequest(status int, why string) {
	rawMsgString(`bad request "`)
	rawMsgQuote(rawBadStart, rawBadEnd)
	rawMsgString(`": `)
	rawMsgString(why)
	if status > 0 {
		rawMsgString(" (")
		rawMsgUint(uint64(status))
		rawMsgByte(')')
	}
}
