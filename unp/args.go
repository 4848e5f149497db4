package unp

import (
	"errors"
	"os"
	"strconv"
	"strings"
)

// ListenArgs reads the command line of a server that takes
// `[ <host> ] <port#>`, as every chapter-30 main does with its
// "if (argc == 2) ... else if (argc == 3) ... else err_quit(usage)", and
// returns the listening socket (see Tcp_listen). A wrong number of
// arguments prints "usage: " + usage and exits 2.
func ListenArgs(usage string) int {
	return listenArgs(os.Args[1:], usage)
}

// ListenPoolArgs reads the command line of a pooled server,
// `[ <host> ] <port#> <#children>` (or #threads), and returns the listening
// socket (see Tcp_listen) and the count. A wrong number of arguments, or a
// count that is not a number of at least 1, prints "usage: " + usage and
// exits 2, before anything is bound.
//
// Departure: the book's servers read the count with atoi (serv02.c), which
// makes "abc" zero children and "3x" three; here anything but a number of
// at least 1 is a usage error.
func ListenPoolArgs(usage string) (listenfd, n int) {
	host, serv, n := PoolArgs(os.Args[1:], usage)
	return Tcp_listen(host, serv), n
}

// PoolArgs reads args as ListenPoolArgs reads the command line, with the
// same usage errors, and returns the host ("" for the wildcard), the port
// and the count without binding anything: for the servers that take flags
// first (serv02's -select, serv07's -nolock, serv10's -exclusive), check
// the count further (serv07, serv08) or bind in their own way (serv09).
func PoolArgs(args []string, usage string) (host, serv string, n int) {
	if len(args) != 2 && len(args) != 3 {
		Usage(usage)
	}
	count := args[len(args)-1]
	n, err := strconv.Atoi(count)
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(count, "-") {
		Err_msg("bad count %q: too large", count)
		Usage(usage)
	}
	if err != nil || n < 1 {
		Err_msg("bad count %q: want a number of at least 1", count)
		Usage(usage)
	}
	if len(args) == 3 {
		return args[0], args[1], n
	}
	return "", args[0], n
}

// ListenArgsFrom is ListenArgs for a server that has taken its flags off
// the command line first (serv01's -fork): it reads args, not os.Args.
func ListenArgsFrom(args []string, usage string) int { return listenArgs(args, usage) }

// ForkFlag takes "-fork" off the front of args and reports whether it was
// there: the -fork mode of serv01 to serv05 (see RawPrefork), whose flag
// comes before host and port, as serv02's -select does.
func ForkFlag(args []string) (bool, []string) {
	if len(args) > 0 && args[0] == "-fork" {
		return true, args[1:]
	}
	return false, args
}

func listenArgs(args []string, usage string) int {
	switch len(args) {
	case 1:
		return Tcp_listen("", args[0])
	case 2:
		return Tcp_listen(args[0], args[1])
	}
	Usage(usage)
	return -1
}

// Usage prints the usage line and exits with status 2.
// Departure: the book's err_quit("usage: ...") (serv02.c) exits 1; 2 is the Unix
// convention for a bad command line, and what our tests expect.
func Usage(line string) {
	os.Stderr.WriteString("usage: " + line + "\n")
	os.Exit(2)
}
