package unp

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// FuzzReadline feeds arbitrary bytes to Rline.Readline through a
// socketpair, cut into arbitrary chunks, and checks what comes out against
// readlineModel: however the bytes arrive, the same lines and the same end.
// The committed corpus is in testdata/fuzz/FuzzReadline; each entry is the
// data and the cuts (see chunks).
//
//	go test ./unp -run '^$' -fuzz '^FuzzReadline$' -fuzztime 30s
func FuzzReadline(f *testing.F) {
	long := bytes.Repeat([]byte("9"), MAXLINE-1)
	for _, seed := range []struct{ data, cuts string }{
		{"100\n", ""},
		{"1\n2\n3\n", "\x00\x01"},
		{"4000\r\n16384\n", "\x00"},
		{"12\n34", ""},
		{"\n\n\x00\n", "\x02"},
		{string(long) + "\n5\n", "\xff\x10"},
		{string(long) + "9\n5\n", "\xc8"},
		{"5\n" + string(long) + "99", "\x00\xc3"},
	} {
		f.Add([]byte(seed.data), []byte(seed.cuts))
	}
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		if len(data) > 3*MAXLINE {
			data = data[:3*MAXLINE] // every case is within a few lines' reach
		}
		a, b := socketpair(t)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for _, c := range chunks(data, cuts) {
				if Writen(a, c) != nil {
					return // the reader stopped early
				}
			}
			unix.Shutdown(a, unix.SHUT_WR)
		}()
		lines, err := readAll(b)
		unix.Shutdown(b, unix.SHUT_RDWR) // unblock a writer we stopped reading
		<-done
		want, wantErr := readlineModel(data)
		if !errors.Is(err, wantErr) || !slices.Equal(lines, want) {
			t.Fatalf("Readline of %d bytes in %d chunks: %d lines, %v; want %d lines, %v",
				len(data), len(chunks(data, cuts)), len(lines), err, len(want), wantErr)
		}
	})
}

// chunks cuts data into pieces whose sizes come from cuts in turn: a byte
// below 192 is 1 to 64 bytes, one above is 1 to 64 KB, so that both
// one-byte dribbles and chunks bigger than MAXLINE occur. No cuts means one
// piece.
func chunks(data, cuts []byte) [][]byte {
	if len(cuts) == 0 {
		return [][]byte{data}
	}
	var out [][]byte
	for i := 0; len(data) > 0; i++ {
		c := int(cuts[i%len(cuts)])
		n := 1 + c%64
		if c >= 192 {
			n = 1 + (c-192)<<10
		}
		n = min(n, len(data))
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

// readlineModel is what Readline must return for data followed by EOF:
// the lines up to the first one that does not fit in MAXLINE bytes with
// its newline (ErrLineTooLong), then ErrPartialLine for a last line with
// no newline, or io.EOF.
func readlineModel(data []byte) ([]string, error) {
	var lines []string
	for {
		i := bytes.IndexByte(data, '\n')
		switch {
		case i >= MAXLINE || i < 0 && len(data) >= MAXLINE:
			return lines, ErrLineTooLong
		case i < 0 && len(data) > 0:
			return lines, ErrPartialLine
		case i < 0:
			return lines, io.EOF
		}
		lines = append(lines, string(data[:i]))
		data = data[i+1:]
	}
}

func TestReadlineModel(t *testing.T) {
	for _, tt := range []struct {
		data  string
		lines int
		err   error
	}{
		{"1\n2\n", 2, io.EOF},
		{"1\n2", 1, ErrPartialLine},
		{string(bytes.Repeat([]byte("x"), MAXLINE-1)) + "\n", 1, io.EOF},
		{string(bytes.Repeat([]byte("x"), MAXLINE)) + "\n", 0, ErrLineTooLong},
		{string(bytes.Repeat([]byte("x"), MAXLINE)), 0, ErrLineTooLong},
		{"", 0, io.EOF},
	} {
		lines, err := readlineModel([]byte(tt.data))
		if len(lines) != tt.lines || err != tt.err {
			t.Errorf("readlineModel(%.10q... %d bytes) = %d lines, %v; want %d, %v",
				tt.data, len(tt.data), len(lines), err, tt.lines, tt.err)
		}
	}
}
