package unp

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Writen writes all of buf: the book's writen (lib/writen.c). A stream
// socket may accept fewer bytes than asked when its send buffer is full or a
// signal arrives, so it loops. A write blocked longer than SO_SNDTIMEO
// returns ErrIdle.
func Writen(fd int, buf []byte) error {
	for len(buf) > 0 {
		n, err := unix.Write(fd, buf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return ErrIdle
		case err != nil:
			return err
		case n == 0:
			return fmt.Errorf("write returned 0")
		}
		buf = buf[n:]
	}
	return nil
}
