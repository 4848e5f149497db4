package main

import (
	"errors"
	"net"
	"time"

	"unp-go.dev/unp"
)

// thread_main is the life of pool goroutine i, serv07's loop without the
// mutex: Accept, count, serve, forever. The runtime's fdMutex admits one
// Accept at a time into accept(2) and parks the rest; a goroutine whose
// Accept finds no connection parks on the netpoller, holding no thread.
// Once sig_int has closed the listener, Accept fails and it ends.
func thread_main(i int) {
	for {
		conn, err := listener.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			time.Sleep(backoff.Failed(err)) // e.g. EMFILE: say so, wait, try again
			continue
		}
		backoff.Succeeded()
		tptr[i].Add(1)
		doit(conn)
	}
}

// doit serves one connection and closes it: serv06's doit.
func doit(conn net.Conn) {
	if err := web_child(conn); err != nil {
		unp.Err_msg("%s: %v", conn.RemoteAddr(), err)
	}
	conn.Close()
}
