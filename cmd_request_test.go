package unpgo

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() { commands["request"] = request }

// request [flags] HOST:PORT PAYLOAD talks to a server by hand: it connects,
// sends PAYLOAD (with Go escapes such as \n), reads the reply until the
// server closes, and prints what happened, e.g.
//
//	sent 4 bytes, read 100 bytes, EOF
//
// The ending is EOF, reset (the server reset the connection), timeout
// (nothing more within -timeout), or closed (we closed first, see
// -closeafter). Flags:
//
//	-pad N         send N bytes of 'x' before PAYLOAD (an over-long line)
//	-repeat N      send PAYLOAD N times (many pipelined requests)
//	-bytewise      send PAYLOAD one byte per write, 1 ms apart
//	-halfclose     shut down our sending side after PAYLOAD
//	-closeafter N  close as soon as N bytes of reply have arrived
//	-rst           close with SO_LINGER 0, so the server sees a reset
//	-timeout D     how long to wait for more reply (default 5s)
//	-show          also print the reply, Go-quoted, on a line of its own
func request(ts *testscript.TestScript, neg bool, args []string) {
	fl := flag.NewFlagSet("request", flag.ContinueOnError)
	pad := fl.Int("pad", 0, "")
	repeat := fl.Int("repeat", 1, "")
	bytewise := fl.Bool("bytewise", false, "")
	halfclose := fl.Bool("halfclose", false, "")
	closeafter := fl.Int("closeafter", -1, "")
	rst := fl.Bool("rst", false, "")
	timeout := fl.Duration("timeout", 5*time.Second, "")
	show := fl.Bool("show", false, "")
	if err := fl.Parse(args); err != nil || fl.NArg() != 2 || neg {
		ts.Fatalf("usage: request [-pad N] [-repeat N] [-bytewise] [-halfclose] [-closeafter N] [-rst] [-timeout D] [-show] HOST:PORT PAYLOAD")
	}
	payload, err := strconv.Unquote(`"` + fl.Arg(1) + `"`)
	ts.Check(err)
	payload = strings.Repeat("x", *pad) + strings.Repeat(payload, *repeat)

	conn, err := net.DialTimeout("tcp", fl.Arg(0), *timeout)
	ts.Check(err)
	c := conn.(*net.TCPConn)
	defer c.Close()
	if *rst {
		ts.Check(c.SetLinger(0))
	}
	sent, err := send(c, payload, *bytewise)
	if err != nil {
		ts.Logf("send: %v", err)
	}
	if *halfclose {
		ts.Check(c.CloseWrite())
	}
	reply, ending := receive(c, *closeafter, *timeout)
	fmt.Fprintf(ts.Stdout(), "sent %d bytes, read %d bytes, %s\n", sent, len(reply), ending)
	if *show {
		fmt.Fprintf(ts.Stdout(), "%q\n", reply)
	}
}

func send(c *net.TCPConn, payload string, bytewise bool) (int, error) {
	if !bytewise {
		return io.WriteString(c, payload)
	}
	for i := range len(payload) {
		if _, err := io.WriteString(c, payload[i:i+1]); err != nil {
			return i, err
		}
		time.Sleep(time.Millisecond)
	}
	return len(payload), nil
}

// receive reads until the server closes, resets, or goes quiet, or until
// closeafter bytes (if not negative) have arrived.
func receive(c *net.TCPConn, closeafter int, timeout time.Duration) ([]byte, string) {
	var reply []byte
	buf := make([]byte, 64<<10)
	for closeafter < 0 || len(reply) < closeafter {
		c.SetReadDeadline(time.Now().Add(timeout))
		want := len(buf)
		if closeafter >= 0 {
			want = min(want, closeafter-len(reply))
		}
		n, err := c.Read(buf[:want])
		reply = append(reply, buf[:n]...)
		switch {
		case err == io.EOF:
			return reply, "EOF"
		case errors.Is(err, syscall.ECONNRESET):
			return reply, "reset"
		case errors.Is(err, os.ErrDeadlineExceeded):
			return reply, "timeout"
		case err != nil:
			return reply, err.Error()
		}
	}
	return reply, "closed"
}
