package unpgo

import (
	"net"
	"os"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

func init() { commands["waitaddr"] = waitaddr }

// waitaddr FILE waits (at most 10 s) until a server has written its address
// to FILE, the UNP_ADDR_FILE it was started with, and sets $ADDR (HOST:PORT),
// $HOST and $PORT for the rest of the script. Readiness is the file, never a
// sleep.
func waitaddr(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitaddr FILE")
	}
	path := ts.MkAbs(args[0])
	var addr string
	if !poll(10*time.Second, func() bool {
		data, err := os.ReadFile(path)
		addr = strings.TrimSpace(string(data))
		return err == nil && addr != ""
	}) {
		ts.Fatalf("no address in %s after 10 s", args[0])
	}
	host, port, err := net.SplitHostPort(addr)
	ts.Check(err)
	ts.Setenv("ADDR", addr)
	ts.Setenv("HOST", host)
	ts.Setenv("PORT", port)
}
