package unp

import (
	"os"
	"regexp"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

func TestUserTasksCountsThisProcess(t *testing.T) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^Threads:\s*(\d+)$`).FindSubmatch(status)
	if m == nil {
		t.Fatalf("no Threads line in /proc/self/status")
	}
	mine, _ := strconv.Atoi(string(m[1]))
	if n := userTasks(unix.Getuid()); n < mine {
		t.Fatalf("userTasks = %d, fewer than this process's own %d threads", n, mine)
	}
	if n := userTasks(1 << 30); n != 0 {
		t.Fatalf("userTasks of a user with no processes = %d, want 0", n)
	}
}
