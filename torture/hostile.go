package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"

	"unp-go.dev/unp"
)

// A hostile client does to a server what a real network does every day.
// Each one makes one connection and says what went wrong, if anything.
type hostile struct {
	name       string
	wellFormed bool // its requests are good and must be answered
	run        hostileFunc
}

// A hostileFunc makes one connection, which must end by deadline, and
// returns how many requests were answered, what went wrong, and how it
// ended.
type hostileFunc func(r *run, rng *rand.Rand, deadline time.Time) (
	served int, problem string, end ending)

// hostiles is every hostile client of the issue, each run at least once
// per server.
var hostiles = []hostile{
	{"not a number", false, refused("abc\n", 0, 0)},
	{"zero", false, refused("0\n", 0, 0)},
	{"negative", false, refused("-5\n", 0, 0)},
	{"above MAXN", false, refused(strconv.Itoa(unp.MAXN+1)+"\n", 0, 0)},
	{"leading junk", false, refused(" 100\n", 0, 0)},
	{"trailing junk", false, refused("100x\n", 0, 0)},
	{"NUL byte", false, refused("1\x002\n", 0, 0)},
	{"line over MAXLINE", false, refused(strings.Repeat("1", unp.MAXLINE+100)+"\n", 0, 0)},
	{"good, good, junk", true, refused("100\n200\nabc\n", 300, 2)},
	{"tiny writes", true, tinyWrites},
	{"pipelined", true, pipelined},
	{"half-close", true, halfClose},
	{"close mid-reply", true, midReply(false)},
	{"reset mid-reply", true, midReply(true)},
	{"connect, close", false, connectClose},
	{"idle", false, idleClient},
	{"one byte at a time", false, slowClient},
	{"never reads", false, nonReader},
}

// open connects with dial (dial or dialSmall), with deadline for the whole
// connection.
func (r *run) open(dial func(string) (*net.TCPConn, error), deadline time.Time) (
	*net.TCPConn, try, error) {
	tr := r.begin()
	c, err := dial(r.srv.addr)
	if err != nil {
		return nil, tr, err
	}
	tr.c = c
	c.SetDeadline(deadline)
	return c, tr, nil
}

// refused sends payload, which ends in a bad request, and expects exactly
// want bytes (the answers to the good requests before it, served of them),
// then the server's close.
func refused(payload string, want, served int) hostileFunc {
	return func(r *run, _ *rand.Rand, deadline time.Time) (int, string, ending) {
		c, tr, err := r.open(dial, deadline)
		if err != nil {
			return 0, "connect: " + err.Error(), endingOf(err)
		}
		defer c.Close()
		// A write may fail when the server has already closed on a long
		// line: the close is what we wait for anyway.
		w := time.Now()
		io.WriteString(c, payload)
		got, end := drain(c, -1)
		if got != want && r.tooSlow(tr, tr.t0, w, got, end) {
			return 0, "", end
		}
		if got != want || !end.closed() {
			return 0, fmt.Sprintf("sent %.20q: read %d bytes, then %s; "+
				"want %d bytes, then the server's close", payload, got, end, want), end
		}
		return served, "", end
	}
}

// exchange writes chunks, half-closes, and expects exactly want bytes and
// EOF. It reports whether the requests were answered, and what went wrong
// otherwise; a request cut off by the idle timeout (see tooSlow) is
// neither answered nor a problem.
func exchange(r *run, deadline time.Time, want int, gap time.Duration, chunks ...string) (
	bool, string, ending) {
	c, tr, err := r.open(dial, deadline)
	if err != nil {
		return false, "connect: " + err.Error(), endingOf(err)
	}
	defer c.Close()
	prev := tr.t0
	for _, chunk := range chunks {
		w := time.Now()
		_, err := io.WriteString(c, chunk)
		if r.tooSlow(tr, prev, w, 0, endingOf(err)) {
			return false, "", endingOf(err)
		}
		if err != nil {
			return false, "send: " + err.Error(), endingOf(err)
		}
		prev = w
		time.Sleep(gap)
	}
	c.CloseWrite()
	got, end := drain(c, -1)
	if got != want || end != endEOF {
		if r.tooSlow(tr, tr.t0, prev, got, end) {
			return false, "", end
		}
		return false, fmt.Sprintf("read %d bytes, then %s; want %d bytes, then EOF", got, end, want), end
	}
	return true, "", end
}

// tinyWrites sends one request a byte per write, 1 ms apart.
func tinyWrites(r *run, _ *rand.Rand, deadline time.Time) (int, string, ending) {
	ok, problem, end := exchange(r, deadline, 4000, time.Millisecond, strings.Split("4000\r\n", "")...)
	return count(ok, 1), problem, end
}

// pipelined sends 50 requests of random sizes in one write.
func pipelined(r *run, rng *rand.Rand, deadline time.Time) (int, string, ending) {
	var b strings.Builder
	want := 0
	for range 50 {
		n := requestSize(rng)
		want += n
		fmt.Fprintf(&b, "%d\n", n)
	}
	ok, problem, end := exchange(r, deadline, want, 0, b.String())
	return count(ok, 50), problem, end
}

// halfClose sends one request and shuts down its sending side at once.
func halfClose(r *run, _ *rand.Rand, deadline time.Time) (int, string, ending) {
	ok, problem, end := exchange(r, deadline, 100, 0, "100\n")
	return count(ok, 1), problem, end
}

func count(ok bool, n int) int {
	if ok {
		return n
	}
	return 0
}

// bigAsk is how many replies of MAXN bytes a client asks for when it wants
// the server blocked in write: 8 MB, more than the kernel's largest send
// buffer (net.ipv4.tcp_wmem, 4 MB), which loopback's 64 KB segments make
// the server reach quickly.
const bigAsk = 512

// midReply asks for bigAsk replies of MAXN bytes, reads 20000 bytes and
// goes away, closing with (rst) or without SO_LINGER 0. Its small receive
// buffer makes sure the server is blocked in the middle of writing when it
// does.
func midReply(rst bool) hostileFunc {
	return func(r *run, _ *rand.Rand, deadline time.Time) (int, string, ending) {
		c, tr, err := r.open(dialSmall, deadline)
		if err != nil {
			return 0, "connect: " + err.Error(), endingOf(err)
		}
		defer c.Close()
		w := time.Now()
		if _, err := io.WriteString(c, strings.Repeat(strconv.Itoa(unp.MAXN)+"\n", bigAsk)); err != nil {
			return 0, "send: " + err.Error(), endingOf(err)
		}
		if got, end := drain(c, 20000); end != endDone {
			if r.tooSlow(tr, tr.t0, w, got, end) {
				return 0, "", end
			}
			return 0, fmt.Sprintf("read %d bytes, then %s; want 20000", got, end), end
		}
		if rst {
			c.SetLinger(0)
		}
		return 1, "", endDone
	}
}

func connectClose(r *run, _ *rand.Rand, _ time.Time) (int, string, ending) {
	c, err := dial(r.srv.addr)
	if err != nil {
		return 0, "connect: " + err.Error(), endingOf(err)
	}
	c.Close()
	return 0, "", endDone
}

// idleClient connects and says nothing: the server must close it.
func idleClient(r *run, _ *rand.Rand, deadline time.Time) (int, string, ending) {
	c, _, err := r.open(dial, deadline)
	if err != nil {
		return 0, "connect: " + err.Error(), endingOf(err)
	}
	defer c.Close()
	got, end := drain(c, -1)
	if got != 0 || !end.closed() {
		return 0, fmt.Sprintf("read %d bytes, then %s; want the server to close an idle connection",
			got, end), end
	}
	return 0, "", end
}

// slowClient sends a request line one byte at a time, every half idle
// timeout: leading zeros, so that the line stays a valid request for as
// long as it lasts (MAXLINE bytes). Each byte comes well within the idle
// timeout; only a bound on the whole line cuts the client off.
func slowClient(r *run, _ *rand.Rand, deadline time.Time) (int, string, ending) {
	c, err := dial(r.srv.addr)
	if err != nil {
		return 0, "connect: " + err.Error(), endingOf(err)
	}
	defer c.Close()
	t0 := time.Now()
	if end := dribble(c, r.cfg.idle/2, deadline); !end.closed() {
		return 0, fmt.Sprintf("sending a byte every %v: still connected after %v (%s)",
			r.cfg.idle/2, time.Since(t0).Round(time.Millisecond), end), end
	}
	return 0, "", endEOF
}

// dribble writes "0" every gap until the server closes or deadline.
func dribble(c net.Conn, gap time.Duration, deadline time.Time) ending {
	var buf [1]byte
	for time.Now().Before(deadline) {
		if _, err := io.WriteString(c, "0"); err != nil {
			return endingOf(err)
		}
		until := time.Now().Add(gap)
		if until.After(deadline) {
			until = deadline
		}
		c.SetReadDeadline(until)
		n, err := c.Read(buf[:])
		if n > 0 {
			return endOther // an answer to half a line
		}
		if end := endingOf(err); end != endTimeout {
			return end
		}
	}
	return endTimeout
}

// nonReader asks for bigAsk replies of MAXN bytes and reads nothing. The
// server must give up on its blocked write and close its end. How soon
// depends on the kernel too: each zero-window probe the server's TCP sends
// may grow its send buffer, which lets a blocked write copy more and start
// its SO_SNDTIMEO over, until the buffer reaches its maximum
// (net.ipv4.tcp_wmem) or the probes' backoff outgrows the idle timeout.
func nonReader(r *run, _ *rand.Rand, deadline time.Time) (int, string, ending) {
	c, err := dialSmall(r.srv.addr)
	if err != nil {
		return 0, "connect: " + err.Error(), endingOf(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, strings.Repeat(strconv.Itoa(unp.MAXN)+"\n", bigAsk)); err != nil {
		return 0, "send: " + err.Error(), endingOf(err)
	}
	for queued(c) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // not served yet
	}
	t0 := time.Now()
	for serverHolds(c) {
		if time.Now().After(deadline) {
			return 0, fmt.Sprintf("the server still holds a client that has read nothing for %v",
				time.Since(t0).Round(time.Millisecond)), endTimeout
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0, "", endEOF
}

// requestSize is a random request: half small, half up to MAXN.
func requestSize(rng *rand.Rand) int {
	if rng.IntN(2) == 0 {
		return 1 + rng.IntN(100)
	}
	return 1 + rng.IntN(unp.MAXN)
}
