package unp

import (
	"os"
	"strconv"
	"time"
)

// holdLockFile is UNP_TEST_HOLD_LOCK, until this process has tried to
// claim it once.
var holdLockFile = os.Getenv("UNP_TEST_HOLD_LOCK")

// HoldLockForTest is a test-only hook for serv03 and serv04, called by a
// child just after it has taken the accept lock. If the environment variable
// UNP_TEST_HOLD_LOCK names a file that does not exist yet, the first child to
// get here creates it, writes its PID into it, says so on stderr and sleeps
// forever, holding the lock, until a test kills it: the scenario then shows
// that its siblings still accept. Every other call returns at once. Never
// set the variable outside tests.
func HoldLockForTest(i int) {
	if holdLockFile == "" {
		return
	}
	path := holdLockFile
	holdLockFile = "" // one try per process
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return // another child holds it, or held it once
	}
	_, err = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		Err_sys(err, "UNP_TEST_HOLD_LOCK")
	}
	Err_msg("child %d (pid %d) holds the lock for UNP_TEST_HOLD_LOCK", i, os.Getpid())
	for {
		time.Sleep(time.Hour)
	}
}
