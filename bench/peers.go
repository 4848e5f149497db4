package main

// The peers: servers people run today that descend from the chapter's
// designs, run by -peers beside them over HTTP, each from a configuration
// the bench writes into the run's temporary directory (nothing of the
// machine's own configuration is read or touched), on a port it picks,
// with no access log and a document root holding the one file the load
// asks for. Their CPU is taken as the designs' is: user + sys of the server
// and every child it reaped, here from wait4 (they print no report), less
// an idle run.
//
// What each does around accept, as strace shows it on this Debian's builds:
//   - nginx's workers are serv10: an epoll loop per process on the shared
//     listener, added with EPOLLEXCLUSIVE (since 1.11.3, accept_mutex off,
//     the default); accept_mutex on takes a lock in shared memory before a
//     worker adds the listener to its set (serv03's idea in user space);
//     listen ... reuseport gives each worker a listener of its own
//     (serv09's change).
//   - Apache httpd's prefork MPM is serv02 to serv04. With one listener it
//     takes no accept mutex at all (SINGLE_LISTEN_UNSERIALIZED_ACCEPT on
//     Linux): each child calls accept4 on the shared socket, serv02. With a
//     second listener it serializes: Mutex fcntl is fcntl(F_SETLKW) around
//     epoll_wait and accept4, serv03; Mutex pthread is a process-shared,
//     robust, priority-inheriting mutex (FUTEX_LOCK_PI), serv04's. So these
//     two rows listen on a second port that no client uses.
//   - Apache's event MPM is one process here: a listener thread with an
//     event loop, handing accepted connections to 15 worker threads (serv08's
//     main thread and pool, with serv10's loop for idle keep-alive
//     connections).
//   - Go's net/http (bench/nethttp) is serv11: a goroutine per connection
//     on the netpoller.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// A peer is one configuration of a server people run.
type peer struct {
	Name   string // the row
	Beside string // the design it descends from, which the row stands beside
	Desc   string
	Pkg    string         // the Debian package that has it ("" for ours)
	Prog   string         // its program: on PATH, or ours, built with the designs
	Stop   syscall.Signal // its graceful stop
	// conf writes its configuration into dir for port and returns its
	// arguments.
	conf func(dir string, port int, c *config) ([]string, error)
}

var peers = []peer{
	{"nginx", "serv10-exclusive", "nginx: a worker per child, an epoll loop each on the " +
		"shared listener (EPOLLEXCLUSIVE; accept_mutex off, the default)", "nginx-light",
		"nginx", syscall.SIGQUIT, nginxConf("accept_mutex off;", "")},
	{"nginx accept_mutex", "serv10-epoll", "nginx, accept_mutex on: one worker at a time " +
		"watches the listener", "nginx-light", "nginx", syscall.SIGQUIT,
		nginxConf("accept_mutex on;", "")},
	{"nginx reuseport", "serv09-reuseport", "nginx, listen ... reuseport: a listener per " +
		"worker", "nginx-light", "nginx", syscall.SIGQUIT, nginxConf("accept_mutex off;",
		" reuseport")},
	{"apache prefork", "serv02-prefork", "Apache httpd, prefork MPM, one listener: no " +
		"accept mutex", "apache2", "apache2", syscall.SIGWINCH, apacheConf("prefork", "")},
	{"apache prefork fcntl", "serv03-flock", "Apache httpd, prefork MPM, Mutex fcntl " +
		"(two listeners)", "apache2", "apache2", syscall.SIGWINCH, apacheConf("prefork", "fcntl")},
	{"apache prefork pthread", "serv04-mutex", "Apache httpd, prefork MPM, Mutex pthread " +
		"(two listeners)", "apache2", "apache2", syscall.SIGWINCH,
		apacheConf("prefork", "pthread")},
	{"apache event", "serv08-mainaccept", "Apache httpd, event MPM: one process, a listener " +
		"thread and a pool of threads", "apache2", "apache2", syscall.SIGWINCH,
		apacheConf("event", "")},
	{"net/http", "serv11-netpoll", "Go's net/http, as a Go programmer writes it " +
		"(bench/nethttp)", "", "bench/nethttp", syscall.SIGINT, nethttpConf},
}

// peerNamed finds a peer by its row's name.
func peerNamed(name string) (peer, bool) {
	for _, p := range peers {
		if p.Name == name {
			return p, true
		}
	}
	return peer{}, false
}

// peerTargets are the rows of the peers that are installed (ours is built
// with the designs: paths), and a note for each that is not.
func (c *config) peerTargets(paths map[string]string) ([]target, []string) {
	var out []target
	var notes []string
	for _, p := range peers {
		prog := paths[p.Prog]
		if p.Pkg != "" {
			prog, _ = exec.LookPath(p.Prog)
		}
		if prog == "" {
			why := fmt.Sprintf("%s: skipped: %s is not installed", p.Name, p.Prog)
			if p.Pkg != "" {
				why += " (Debian: apt-get install " + p.Pkg + ")"
			}
			notes = append(notes, why)
			continue
		}
		out = append(out, target{Name: p.Name, Row: -1, Desc: p.Desc, External: true,
			Peer: p.Name, Argv: []string{prog}, Group: p.Beside, Series: "peer",
			Design: p.Name})
	}
	return out, notes
}

// peerArgv writes the configuration of t's peer into dir for port, with
// its document root, and returns its command line.
func (c *config) peerArgv(t target, dir string, port int) ([]string, error) {
	p, ok := peerNamed(t.Peer)
	if !ok {
		return nil, fmt.Errorf("no peer %q", t.Peer)
	}
	www := filepath.Join(dir, "www")
	if err := os.MkdirAll(www, 0o755); err != nil {
		return nil, err
	}
	// the one file the load asks for, GET /N: N bytes
	body := make([]byte, c.bytes)
	if err := os.WriteFile(filepath.Join(www, fmt.Sprint(c.bytes)), body, 0o644); err != nil {
		return nil, err
	}
	// a server that drops its privileges (root's nginx and Apache run their
	// workers as nobody) must reach the file: open the way to it
	for d := www; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			return nil, err
		}
	}
	args, err := p.conf(dir, port, c)
	if err != nil {
		return nil, err
	}
	return append([]string{t.Argv[0]}, args...), nil
}

// nginxConf is nginx with worker processes as many as the pool, events
// the given directives and its listener the given parameters.
func nginxConf(events, listen string) func(string, int, *config) ([]string, error) {
	return func(dir string, port int, c *config) ([]string, error) {
		tmp := filepath.Join(dir, "tmp") // nginx makes its temp dirs, not their parent
		if err := os.MkdirAll(tmp, 0o755); err != nil {
			return nil, err
		}
		conf := fmt.Sprintf(`worker_processes %d;
pid %s/nginx.pid;
error_log %s/error.log;
events { worker_connections 1024; %s }
http {
	access_log off;
	sendfile on;
	keepalive_timeout 10s;
	client_body_temp_path %s/body;
	proxy_temp_path %s/proxy;
	fastcgi_temp_path %s/fastcgi;
	uwsgi_temp_path %s/uwsgi;
	scgi_temp_path %s/scgi;
	server {
		listen 127.0.0.1:%d%s;
		root %s/www;
		default_type application/octet-stream;
	}
}
`, c.workers, dir, dir, events, tmp, tmp, tmp, tmp, tmp, port, listen, dir)
		file := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
			return nil, err
		}
		return []string{"-p", dir, "-c", file, "-g", "daemon off;"}, nil
	}
}

// apacheModules is where Debian's apache2 keeps its modules.
const apacheModules = "/usr/lib/apache2/modules"

// apacheConf is Apache httpd with the MPM given, a pool as large as the
// bench's, and, with a mutex, a second listener so that it takes it.
func apacheConf(mpm, mutex string) func(string, int, *config) ([]string, error) {
	return func(dir string, port int, c *config) ([]string, error) {
		var b strings.Builder
		fmt.Fprintf(&b, "ServerRoot %s\nDefaultRuntimeDir %s\nPidFile %s/httpd.pid\n", dir, dir, dir)
		fmt.Fprintf(&b, "LoadModule mpm_%s_module %s/mod_mpm_%s.so\n", mpm, apacheModules, mpm)
		fmt.Fprintf(&b, "LoadModule authz_core_module %s/mod_authz_core.so\n", apacheModules)
		fmt.Fprintf(&b, "ServerName 127.0.0.1\nErrorLog %s/error.log\nListen 127.0.0.1:%d\n",
			dir, port)
		if mutex != "" {
			second, err := freePort()
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&b, "Listen 127.0.0.1:%d\n", second)
			where := ""
			if mutex == "fcntl" {
				where = ":" + dir
			}
			fmt.Fprintf(&b, "Mutex %s%s mpm-accept\n", mutex, where)
		}
		if os.Geteuid() == 0 {
			b.WriteString("User #65534\nGroup #65534\n")
		}
		n := c.workers
		if mpm == "prefork" {
			fmt.Fprintf(&b, "StartServers %d\nMinSpareServers %d\nMaxSpareServers %d\n"+
				"ServerLimit %d\nMaxRequestWorkers %d\n", n, n, n, n, n)
		} else {
			fmt.Fprintf(&b, "StartServers 1\nServerLimit 1\nThreadsPerChild %d\nThreadLimit %d\n"+
				"MaxRequestWorkers %d\nMinSpareThreads 1\nMaxSpareThreads %d\n", n, n, n, n)
		}
		fmt.Fprintf(&b, "MaxConnectionsPerChild 0\nKeepAlive On\nKeepAliveTimeout 10\n"+
			"EnableSendfile On\nGracefulShutdownTimeout 5\nDocumentRoot %s/www\n"+
			"<Directory %s/www>\n\tRequire all granted\n</Directory>\n", dir, dir)
		file := filepath.Join(dir, "httpd.conf")
		if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
			return nil, err
		}
		return []string{"-f", file, "-DFOREGROUND"}, nil
	}
}

// nethttpConf is ours: no configuration but its arguments.
func nethttpConf(_ string, port int, _ *config) ([]string, error) {
	return []string{"127.0.0.1", fmt.Sprint(port)}, nil
}
