package unp

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// Host and service names are looked up in /etc/hosts and /etc/services
// only, never DNS.
//
// Departure: the book's tcp_listen.c and tcp_connect.c call getaddrinfo, which
// also asks DNS. In Go that means importing package net, whose resolver
// links the C library whenever cgo is available. A dynamically linked
// executable costs the dynamic loader's work and page faults at every exec,
// and serv01 pays that once per connection. Numeric addresses, "localhost" and the names in
// /etc/hosts cover what these servers are for: measuring designs on one
// host.

// lookupHost turns a literal or a name into addresses, like getaddrinfo.
func lookupHost(host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	var addrs []netip.Addr
	scanFile("/etc/hosts", func(f []string) {
		a, err := netip.ParseAddr(f[0])
		for _, name := range f[1:] {
			if err == nil && strings.EqualFold(name, host) {
				addrs = append(addrs, a)
			}
		}
	})
	if len(addrs) == 0 && strings.EqualFold(host, "localhost") {
		addrs = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("host %q: not an address, and not in /etc/hosts", host)
	}
	return addrs, nil
}

// lookupPort turns a port number or a service name into a port number.
func lookupPort(serv string) (uint16, error) {
	if p, err := strconv.ParseUint(serv, 10, 16); err == nil {
		return uint16(p), nil
	}
	port := -1
	scanFile("/etc/services", func(f []string) {
		num, proto, _ := strings.Cut(f[1], "/")
		for _, name := range append(f[:1:1], f[2:]...) {
			if port < 0 && proto == "tcp" && name == serv {
				port, _ = strconv.Atoi(num)
			}
		}
	})
	if port < 0 || port > 65535 {
		return 0, fmt.Errorf("service %q: not a port number, and not in /etc/services", serv)
	}
	return uint16(port), nil
}

// scanFile calls fn with the fields of each line of a hosts(5)- or
// services(5)-style file that has at least two, comments removed.
func scanFile(path string, fn func(fields []string)) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if fields := strings.Fields(line); len(fields) >= 2 {
			fn(fields)
		}
	}
}
