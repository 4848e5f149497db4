package unp

import (
	"fmt"
	"io"
	"sync"
)

// result is the reply: the book's static char result[MAXN]. Its contents do
// not matter, only its length; threads share it because nobody writes it.
var result [MAXN]byte

// rlines recycles line buffers between connections, so that serving a
// connection allocates nothing once the server has warmed up.
var rlines = sync.Pool{New: func() any { return new(Rline) }}

// Web_child serves one connection: the book's web_child (server/web_child.c,
// section 30.5). It reads request lines until EOF and answers each with
// exactly the number of bytes asked for. The idle timeout that a connection
// accepted from Tcp_listen's socket inherits (see IdleTimeout) bounds every
// read and write.
//
// Each request costs one read(2) (fewer when the client pipelines) and one
// write(2) of up to MAXN bytes, with no allocation.
//
// Departure: the book's web_child calls err_quit on a bad request and so
// kills the whole process. This one returns an error naming the problem; the
// caller logs it with the peer address, closes the connection and goes on.
// Even a panic while serving (there should be none) comes back as an error,
// so that in the thread designs it ends one connection, not the process,
// and the pool never shrinks.
func Web_child(sockfd int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic while serving: %v", r)
		}
	}()
	rl := rlines.Get().(*Rline)
	defer rlines.Put(rl)
	rl.Reset(sockfd)
	rl.limit, _ = IdleTimeout() // and a line begun must end within it too
	for {
		line, err := rl.Readline()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading request: %w", err)
		}
		ntowrite, err := ParseRequest(line)
		if err != nil {
			return err
		}
		if err := Writen(sockfd, result[:ntowrite]); err != nil {
			return fmt.Errorf("writing %d-byte reply: %w", ntowrite, err)
		}
	}
}
