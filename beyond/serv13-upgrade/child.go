package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"unp-go.dev/unp"
)

// child_make starts the child for slot i and returns its PID, as serv02's:
// the child inherits the listening socket as descriptor ChildFd(0) and the
// meter as ChildFd(1).
func child_make(i int) (int, error) {
	return unp.Fork("child", []string{strconv.Itoa(i)}, listenfd, meter.Fd())
}

// child_main is serv02's child, accept, count, serve, close, with one
// change: on SIGTERM (retireSignal) it stops accepting, finishes the
// connection it is serving, if any, and exits 0. That is how a retiring
// parent hands the shared queue to its successor's children without
// dropping a connection: a child asleep in accept leaves it without taking
// one, and a child that has taken one serves it to the end.
func child_main(args []string) {
	i := unp.PoolChild(args)
	listenfd := unp.ChildFd(0)
	meter := unp.OpenMeter(unp.ChildFd(1))
	r := watchRetire()

	accepts := unp.Backoff{What: "accept"}
	fmt.Printf("child %d starting\n", os.Getpid())
	for {
		connfd, cliaddr, err := unp.AcceptUnless(listenfd, r.retiring.Load)
		if err == unp.ErrStopped {
			os.Exit(0)
		}
		if err != nil {
			time.Sleep(accepts.Failed(err)) // e.g. EMFILE: say so, wait, try again
			continue
		}
		r.serving.Store(true)
		accepts.Succeeded()
		meter.Add(i)

		if err := unp.Web_child(connfd); err != nil { // process the request
			unp.Err_msg("%s: %v", unp.Sock_ntop(cliaddr), err)
		}
		unp.Close(connfd)
		r.serving.Store(false) // AcceptUnless asks r.retiring first
	}
}

// retireSignal tells a child to finish its connection and exit. The
// parent sends it; a stray one costs a child, which the parent replaces.
const retireSignal = syscall.SIGTERM

// A retirement is a child's two flags: retiring goes true when
// retireSignal arrives, and serving is true while the child serves a
// connection.
type retirement struct {
	retiring, serving atomic.Bool
}

// watchRetire locks child_main to its OS thread and watches for
// retireSignal. The signal goes to the process, and any thread may take
// it; so the watcher then knocks on the accepting thread itself (tgkill
// with SIGURG, which the Go runtime takes for a preemption request and
// otherwise ignores), again and again while the child is not serving: a
// knock that lands just before the thread enters accept(2) is lost, the
// next one is not. The knock ends accept(2) with EINTR (see
// unp.AcceptUnless). It does not knock while the child serves: a read
// interrupted there is retried with the idle timeout started afresh, and
// knocks every few milliseconds would keep an idle client's connection
// open for ever. The locked thread, and the goroutine that waits for the
// signal, cost a child a thread or two more than serv02's.
func watchRetire() *retirement {
	runtime.LockOSThread() // never unlocked: the knocks must find this thread
	pid, tid := os.Getpid(), unix.Gettid()
	r := new(retirement)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, retireSignal)
	go func() {
		<-sigs
		r.retiring.Store(true)
		for {
			if !r.serving.Load() {
				unix.Tgkill(pid, tid, unix.SIGURG)
			}
			time.Sleep(knockEvery)
		}
	}()
	return r
}

// knockEvery is how often a retiring child's accepting thread is knocked.
const knockEvery = 20 * time.Millisecond
