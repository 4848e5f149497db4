package main

import (
	"net"
	"path/filepath"
	"syscall"
	"time"
)

// The parent-kill phase, for the process designs: the server started
// again and its parent killed with SIGKILL, which no handler sees. Its
// children must die with it (the fork analog's PR_SET_PDEATHSIG), not live
// on as orphans that still hold the port; the book's children would, and
// go on serving a port whose server is gone (all but serv05's, whose
// read_fd returns 0 when the parent's end of the pipe closes: err_quit).

// orphans starts the server again, kills its parent with SIGKILL, and
// checks that no child keeps running or listening on the port.
func (r *run) orphans() {
	r.logf("%s: SIGKILL of the parent", r.d.Name)
	srv, err := startServer(r.cfg.bins[r.d.Program()], r.d.Name, r.d.args(r.cfg.pool), r.cfg.idle,
		filepath.Join(r.cfg.dir, r.d.Name+"-orphans"))
	if err != nil {
		r.t.fail("parent killed", "restart: %v", err)
		return
	}
	defer srv.kill()
	if r.d.PerClient { // give it a child: a client that stays
		if c := holdChild(srv); c != nil {
			defer c.Close()
		}
	}
	kids, _ := children(srv.Pid())
	syscall.Kill(srv.Pid(), syscall.SIGKILL)
	if err := srv.WaitGone(2 * time.Second); err != nil {
		r.t.fail("parent killed", "children %v: 2 s after SIGKILL of the parent: %v", kids, err)
	}
	addr, err := net.ResolveTCPAddr("tcp4", srv.addr)
	if err == nil && orphanListens(addr, filepath.Join(srv.dir, "addr")) {
		r.t.fail("parent killed", "a process still listens on %s", srv.addr)
	}
}

// holdChild connects to a server that forks per client, and waits (at
// most 2 s) until the child serving the connection is there. It returns
// the connection, or nil.
func holdChild(srv *server) net.Conn {
	c, err := dial(srv.addr)
	if err != nil {
		return nil
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		if live, _ := children(srv.Pid()); len(live) > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	return c
}
