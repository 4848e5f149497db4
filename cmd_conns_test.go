package unpgo

import (
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() { commands["conns"] = conns }

// held are the connections each scenario keeps open between conns commands.
var held = struct {
	sync.Mutex
	m map[*testscript.TestScript][]net.Conn
}{m: map[*testscript.TestScript][]net.Conn{}}

// conns holds many connections to a server open at once, to load the
// designs with concurrent clients where the client program's connections
// are short. The connections stay open across the scenario's commands, so
// that a client can run while they are held; they are closed at the end of
// the scenario if not before.
//
//	conns open [-send PAYLOAD] N HOST:PORT
//	    connect N times, all at once, optionally sending PAYLOAD (Go escapes)
//	    on each; print "opened N connections"
//	conns read NBYTES
//	    in the order opened, read exactly NBYTES of reply from each connection
//	    (at most 30 s each) and close it; print
//	    "R replies of NBYTES bytes, E errors" and name each error on stderr
//	conns close
//	    close them all; print "closed N connections"
func conns(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: conns open [-send PAYLOAD] N HOST:PORT | conns read NBYTES | conns close")
	}
	switch args[0] {
	case "open":
		connsOpen(ts, args[1:])
	case "read":
		if len(args) != 2 {
			ts.Fatalf("usage: conns read NBYTES")
		}
		n, err := strconv.Atoi(args[1])
		ts.Check(err)
		connsRead(ts, n)
	case "close":
		cs := takeHeld(ts)
		for _, c := range cs {
			c.Close()
		}
		fmt.Fprintf(ts.Stdout(), "closed %d connections\n", len(cs))
	default:
		ts.Fatalf("conns: unknown subcommand %q", args[0])
	}
}

func connsOpen(ts *testscript.TestScript, args []string) {
	fl := flag.NewFlagSet("conns open", flag.ContinueOnError)
	send := fl.String("send", "", "")
	if err := fl.Parse(args); err != nil || fl.NArg() != 2 {
		ts.Fatalf("usage: conns open [-send PAYLOAD] N HOST:PORT")
	}
	n, err := strconv.Atoi(fl.Arg(0))
	ts.Check(err)
	payload, err := strconv.Unquote(`"` + *send + `"`)
	ts.Check(err)
	held.Lock()
	if _, ok := held.m[ts]; !ok {
		ts.Defer(func() {
			for _, c := range takeHeld(ts) {
				c.Close()
			}
		})
	}
	held.Unlock()
	for range n {
		c, err := net.DialTimeout("tcp", fl.Arg(1), 5*time.Second)
		ts.Check(err)
		held.Lock()
		held.m[ts] = append(held.m[ts], c)
		held.Unlock()
		if payload != "" {
			_, err = io.WriteString(c, payload)
			ts.Check(err)
		}
	}
	fmt.Fprintf(ts.Stdout(), "opened %d connections\n", n)
}

func connsRead(ts *testscript.TestScript, nbytes int) {
	cs := takeHeld(ts)
	buf := make([]byte, nbytes)
	replies, errs := 0, 0
	for i, c := range cs {
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		if _, err := io.ReadFull(c, buf); err != nil {
			fmt.Fprintf(ts.Stderr(), "connection %d: %v\n", i, err)
			errs++
		} else {
			replies++
		}
		c.Close()
	}
	fmt.Fprintf(ts.Stdout(), "%d replies of %d bytes, %d errors\n", replies, nbytes, errs)
}

// takeHeld removes and returns the connections this scenario holds.
func takeHeld(ts *testscript.TestScript) []net.Conn {
	held.Lock()
	defer held.Unlock()
	cs := held.m[ts]
	held.m[ts] = nil
	return cs
}
