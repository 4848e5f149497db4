package unp

import (
	"fmt"
	"io"
	"sync"
)

// result is the reply. The book's web_child (web_child.c) has it as an
// automatic array, one per call; here one array serves every call and
// thread, because nothing writes it and only its length matters.
var result [MAXN]byte

// A webConn is what Web_child needs for one connection: the request
// buffer, as web_child_r.c keeps an Rline for each call, and the reply's
// head.
type webConn struct {
	rl    Rline
	reply Reply
}

// webConns recycles them between connections, so that serving a
// connection allocates nothing once the server has warmed up.
var webConns = sync.Pool{New: func() any { return new(webConn) }}

// Web_child serves one connection: the book's web_child (server/web_child.c,
// section 30.5). It reads requests until EOF and answers each with exactly
// the number of bytes asked for. The idle timeout that a connection
// accepted from Tcp_listen's socket inherits (see IdleTimeout) bounds every
// read and write.
//
// Each request costs one read(2) (fewer when the client pipelines) and one
// write(2) of up to MAXN bytes (a writev(2) over HTTP), with no allocation.
//
// Departure: the book's web_child (web_child.c) speaks only its line
// protocol. This one
// also answers HTTP/1.0 and HTTP/1.1 (GET /N and HEAD /N, see
// NextRequest), so that curl, ab and wrk can load every design: the first
// byte of each request says which protocol it is, and a book's request is
// answered exactly as the book answers it. An HTTP/1.0 request (unless it
// asks for keep-alive) or one saying Connection: close ends the connection
// after its reply; HTTP/1.1 goes on to the next request, as the book's
// line does.
//
// Departure: web_child.c calls err_quit on a bad request and so ends the
// process serving the client: the whole server in serv00 and the thread
// designs. This one returns an error naming the problem; the
// caller logs it with the peer address, closes the connection and goes on.
// Bad HTTP is answered with its status (StatusReply) first. Even a panic
// while serving (there should be none) comes back as an error, so that in
// the thread designs it ends one connection, not the process, and the pool
// never shrinks.
func Web_child(sockfd int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic while serving: %v", r)
		}
	}()
	c := webConns.Get().(*webConn)
	defer webConns.Put(c)
	c.rl.Reset(sockfd)
	c.rl.limit, _ = IdleTimeout() // and a request begun must end within it too
	for {
		req, err := c.rl.Request()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			SendStatus(sockfd, err)
			return err
		}
		c.reply.Start(req)
		if err := c.reply.Writen(sockfd); err != nil {
			return fmt.Errorf("writing %d-byte reply: %w", req.N, err)
		}
		if req.Close {
			return nil
		}
	}
}
