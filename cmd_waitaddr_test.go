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
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if addr := strings.TrimSpace(string(data)); err == nil && addr != "" {
			host, port, err := net.SplitHostPort(addr)
			ts.Check(err)
			ts.Setenv("ADDR", addr)
			ts.Setenv("HOST", host)
			ts.Setenv("PORT", port)
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("no address in %s after 10 s", args[0])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
