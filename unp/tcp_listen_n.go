package unp

import (
	"os"
	"strconv"
)

// Tcp_listen_n reads the command line of a pooled server,
// `[ <host> ] <port#> <#children>` (or #threads), and returns the listening
// socket (see Tcp_listen) and the count. A wrong number of arguments, or a
// count that is not a number of at least 1, prints "usage: " + usage and
// exits 2, before anything is bound. The book's servers take the count
// with atoi and so start zero children for "abc".
func Tcp_listen_n(usage string) (listenfd, n int) {
	args := os.Args[1:]
	if len(args) != 2 && len(args) != 3 {
		Usage(usage)
	}
	n, err := strconv.Atoi(args[len(args)-1])
	if err != nil || n < 1 {
		Err_msg("bad count %q: want a number of at least 1", args[len(args)-1])
		Usage(usage)
	}
	if len(args) == 2 {
		return Tcp_listen("", args[0]), n
	}
	return Tcp_listen(args[0], args[1]), n
}
