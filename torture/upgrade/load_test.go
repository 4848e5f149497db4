package main

import (
	"net"
	"testing"
	"time"
)

// Each way an attempt can end lands in its own column.
func TestAttempt(t *testing.T) {
	serve := func(reply func(c *net.TCPConn)) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Read(make([]byte, 16)) // the request
			reply(c.(*net.TCPConn))
		}()
		return ln.Addr().String()
	}
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := closed.Addr().String()
	closed.Close()

	req, buf := []byte("10\n"), make([]byte, 10)
	quit := make(chan struct{})
	defer close(quit)
	for _, tt := range []struct {
		name, addr, want string
	}{
		{"whole", serve(func(c *net.TCPConn) { c.Write(make([]byte, 10)); c.Close() }), "ok"},
		{"refused", refusing, "refused"},
		{"reset", serve(func(c *net.TCPConn) { c.SetLinger(0); c.Close() }), "reset"},
		{"closed", serve(func(c *net.TCPConn) { c.Close() }), "reset"},
		{"short", serve(func(c *net.TCPConn) { c.Write(make([]byte, 4)); c.Close() }), "short"},
		{"silent", serve(func(c *net.TCPConn) { <-quit; c.Close() }), "timeout"},
	} {
		if got, err := attempt(tt.addr, req, buf, time.Second); got != tt.want {
			t.Errorf("%s: attempt = %s (%v), want %s", tt.name, got, err, tt.want)
		}
	}
}
