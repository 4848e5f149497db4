package main

import (
	"os"
	"strconv"
	"testing"
)

// TestPrivateUID: the process fault's user is one that nothing runs as,
// which is never root, nor nobody when a process runs as nobody.
func TestPrivateUID(t *testing.T) {
	if !uidInUse(os.Getuid()) {
		t.Fatalf("uidInUse(%d) = false for this test's own uid", os.Getuid())
	}
	uid, err := privateUID()
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(uid)
	if err != nil || n == 0 || uidInUse(n) {
		t.Errorf("privateUID() = %q, in use or not a uid", uid)
	}
}
