package unp

import (
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Notify reaches a manager's socket by an abstract name ('@') and by a
// path, one datagram a message, READY=1 last when Ready sends it.
func TestNotify(t *testing.T) {
	for _, addr := range []string{
		fmt.Sprintf("@unp-notify-test-%d", os.Getpid()),
		t.TempDir() + "/notify",
	} {
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		if err := unix.Bind(fd, &unix.SockaddrUnix{Name: addr}); err != nil {
			t.Fatal(err)
		}
		t.Setenv("NOTIFY_SOCKET", addr)
		Notify("MAINPID=42", "READY=1")
		Notify("STOPPING=1")
		for _, want := range []string{"MAINPID=42\nREADY=1\n", "STOPPING=1\n"} {
			if !Readable(fd, time.Second) {
				t.Fatalf("%s: no datagram, want %q", addr, want)
			}
			buf := make([]byte, 512)
			n, _, err := unix.Recvfrom(fd, buf, 0)
			if err != nil || string(buf[:n]) != want {
				t.Errorf("%s: got %q, %v; want %q", addr, buf[:n], err, want)
			}
		}
	}
}
