package unp

import "fmt"

// A RequestError describes a request line that is not a byte count in
// 1..MAXN.
type RequestError struct {
	Line   string // the line as received, cut to 40 bytes
	Reason string
}

// Error says what was wrong with the line, quoting it.
func (e *RequestError) Error() string {
	return fmt.Sprintf("bad request %q: %s", e.Line, e.Reason)
}

// ParseRequest parses one request line (newline removed): a decimal byte
// count N with 1 <= N <= MAXN. One trailing carriage return is allowed, so
// that a person can talk to a server with telnet or nc -C.
//
// Departure: the book's web_child uses atol, which turns "abc" into 0,
// "12abc" into 12 and "-5" into a negative count, and then err_quits when the
// count is out of range. Here anything but digits is a RequestError.
func ParseRequest(line []byte) (int, error) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) == 0 {
		return 0, badRequest(line, "empty line")
	}
	n := 0
	for _, c := range line {
		if c < '0' || c > '9' {
			return 0, badRequest(line, "not a decimal byte count")
		}
		if n = n*10 + int(c-'0'); n > MAXN {
			return 0, badRequest(line, fmt.Sprintf("more than MAXN (%d) bytes", MAXN))
		}
	}
	if n == 0 {
		return 0, badRequest(line, "zero bytes")
	}
	return n, nil
}

func badRequest(line []byte, reason string) error {
	if len(line) > 40 {
		line = line[:40]
	}
	return &RequestError{Line: string(line), Reason: reason}
}
