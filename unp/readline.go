package unp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrLineTooLong is returned by Readline for a line that does not fit in
// MAXLINE bytes, newline included.
var ErrLineTooLong = fmt.Errorf("line longer than %d bytes", MAXLINE)

// ErrPartialLine is returned by Readline when the peer closes in the middle
// of a line.
var ErrPartialLine = errors.New("connection closed in mid-line")

// ErrSlowLine is returned by Readline when a line that has begun to arrive
// is still not complete after the Rline's line limit.
var ErrSlowLine = errors.New("line not complete within the idle timeout")

// Rline is the book's Rline (server/readline_r.h, readline_r.c): a line
// buffer the caller owns, filled one read(2) at a time, so that threads
// share no state. Web_child uses it as web_child_r.c does, one per
// connection. One Rline serves one connection at a time; Reset it for the
// next.
type Rline struct {
	fd    int
	r, w  int           // unread bytes are buf[r:w]
	limit time.Duration // if not 0, how long the rest of a begun line may take
	buf   [MaxHead]byte // a line is at most MAXLINE; an HTTP head, MaxHead
}

// Reset points the reader at a new connection and drops anything buffered.
func (rl *Rline) Reset(fd int) {
	rl.fd, rl.r, rl.w = fd, 0, 0
}

// Readline returns the next line without its newline. The slice aliases the
// buffer and is valid until the next call. At a clean end of stream it
// returns io.EOF; a line cut off by EOF is ErrPartialLine, and a line longer
// than MAXLINE is ErrLineTooLong.
//
// Departure: the book's readline (lib/readline.c, and readline_r.c)
// silently truncates an over-long line to
// maxlen-1 bytes and returns the rest as the next "line"; for a server that
// parses numbers that turns junk into requests.
//
// Departure: readline_r.c waits for each read(2) as long as the client
// likes. A timeout on each read(2) (SO_RCVTIMEO) does not stop a client
// that sends a byte just before each timeout, leading zeros for up to
// MAXLINE bytes: it holds a server for hours. So once part of a line is in,
// a read that returns after the line limit (when set) ends the line with
// ErrSlowLine. A line that comes in one read costs no clock reading.
func (rl *Rline) Readline() ([]byte, error) {
	var begun time.Time // when we first waited for the rest of this line
	for {
		unread := rl.buf[rl.r:min(rl.w, rl.r+MAXLINE)]
		if i := bytes.IndexByte(unread, '\n'); i >= 0 {
			line := rl.buf[rl.r : rl.r+i]
			rl.r += i + 1
			return line, nil
		}
		if len(unread) == MAXLINE {
			return nil, ErrLineTooLong
		}
		if err := rl.fill(&begun); err != nil {
			return nil, err
		}
	}
}

// Request reads the next request, the book's line or an HTTP head, as
// NextRequest parses it, with Readline's rules for a request begun and not
// finished. Its errors are worded as Web_child's: a *RequestError, or
// "reading request: " and why; io.EOF alone at a clean end of stream.
func (rl *Rline) Request() (Request, error) {
	var begun time.Time
	for {
		req, n, err := NextRequest(rl.buf[rl.r:rl.w])
		if err != nil {
			return req, err
		}
		if n > 0 {
			rl.r += n
			return req, nil
		}
		if err := rl.fill(&begun); err == io.EOF {
			return req, err
		} else if err != nil {
			return req, fmt.Errorf("reading request: %w", err)
		}
	}
}

// fill reads more of a line or head begun at *begun (zero until the first
// wait for its rest) into the buffer, sliding what is unread to the front
// first.
func (rl *Rline) fill(begun *time.Time) error {
	if rl.r > 0 { // slide the partial line to the front
		rl.w = copy(rl.buf[:], rl.buf[rl.r:rl.w])
		rl.r = 0
	}
	if rl.w == len(rl.buf) { // the callers' limits come first: never
		return ErrLineTooLong
	}
	if rl.w > 0 && rl.limit > 0 {
		if begun.IsZero() {
			*begun = time.Now()
		} else if time.Since(*begun) > rl.limit {
			return ErrSlowLine
		}
	}
	n, err := Read(rl.fd, rl.buf[rl.w:])
	if err != nil {
		return err
	}
	if n == 0 {
		if rl.w > 0 {
			return ErrPartialLine
		}
		return io.EOF
	}
	rl.w += n
	return nil
}
