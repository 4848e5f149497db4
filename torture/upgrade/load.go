package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// A tally counts how the clients' attempts ended, one counter per column.
type tally struct {
	ok, refused, reset, short, timeout, other atomic.Int64
	mu                                        sync.Mutex
	examples                                  map[string]string // first error of each kind
}

// load runs cfg.Clients clients against addr until stop is closed, and
// returns once every one has finished its attempt.
func load(cfg *config, addr string, t *tally, stop <-chan struct{}) {
	var wg sync.WaitGroup
	for range cfg.Clients {
		wg.Go(func() {
			req := []byte(fmt.Sprintf("%d\n", cfg.Bytes))
			buf := make([]byte, cfg.Bytes)
			for {
				select {
				case <-stop:
					return
				default:
				}
				t.count(attempt(addr, req, buf, cfg.Timeout))
			}
		})
	}
	wg.Wait()
}

// attempt is one connection: connect, ask, read the whole reply, close. It
// returns the column the attempt falls in, and the error, if any.
func attempt(addr string, req, buf []byte, timeout time.Duration) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			return "refused", err
		case errors.Is(err, syscall.ECONNRESET):
			return "reset", err // a SYN queued on a listener that closed
		case isTimeout(err):
			return "timeout", err
		}
		return "other", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(req); err != nil {
		return classify(0, err), err
	}
	n, err := io.ReadFull(conn, buf)
	if err != nil {
		return classify(n, err), err
	}
	return "ok", nil
}

// classify names a failure after connect, n bytes of the reply read.
func classify(n int, err error) string {
	switch {
	case isTimeout(err):
		return "timeout"
	case n > 0:
		return "short"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "reset"
	}
	return "other"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// count adds one attempt to its column, and keeps the first error of each.
func (t *tally) count(kind string, err error) {
	c := map[string]*atomic.Int64{"ok": &t.ok, "refused": &t.refused, "reset": &t.reset,
		"short": &t.short, "timeout": &t.timeout, "other": &t.other}[kind]
	c.Add(1)
	if err == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.examples == nil {
		t.examples = map[string]string{}
	}
	if _, ok := t.examples[kind]; !ok {
		t.examples[kind] = strings.TrimSpace(err.Error())
	}
}
