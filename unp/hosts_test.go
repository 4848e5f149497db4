package unp

import "testing"

func TestLookup(t *testing.T) {
	for _, tt := range []struct{ host, want string }{
		{"127.0.0.1", "127.0.0.1"},
		{"::1", "::1"},
		{"localhost", "127.0.0.1"},
		{"LocalHost", "127.0.0.1"},
	} {
		addrs, err := lookupHost(tt.host)
		if err != nil || len(addrs) == 0 || addrs[0].String() != tt.want {
			t.Errorf("lookupHost(%q) = %v, %v; want %s first", tt.host, addrs, err, tt.want)
		}
	}
	if _, err := lookupHost("no-such-host.invalid"); err == nil {
		t.Error("lookupHost of an unknown name succeeded")
	}
	for _, tt := range []struct {
		serv string
		want uint16
	}{{"9999", 9999}, {"0", 0}, {"http", 80}, {"daytime", 13}} {
		p, err := lookupPort(tt.serv)
		if tt.serv == "http" || tt.serv == "daytime" {
			if err != nil {
				t.Logf("no /etc/services entry for %s here: %v", tt.serv, err)
				continue
			}
		}
		if err != nil || p != tt.want {
			t.Errorf("lookupPort(%q) = %d, %v; want %d", tt.serv, p, err, tt.want)
		}
	}
	for _, bad := range []string{"65536", "-1", "no-such-service"} {
		if _, err := lookupPort(bad); err == nil {
			t.Errorf("lookupPort(%q) succeeded", bad)
		}
	}
}
