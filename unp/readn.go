package unp

// Readn reads exactly len(buf) bytes unless EOF comes first: the book's
// readn (lib/readn.c, section 3.9). It returns the number of bytes read; a
// short count with a nil error means EOF.
func Readn(fd int, buf []byte) (int, error) {
	nread := 0
	for nread < len(buf) {
		n, err := Read(fd, buf[nread:])
		if err != nil {
			return nread, err
		}
		if n == 0 {
			break // EOF
		}
		nread += n
	}
	return nread, nil
}
