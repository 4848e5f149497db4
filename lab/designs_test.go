package lab

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The one list holds together: every name once, every directory a program
// of this repository, every variant right after a design of its program,
// the rows in the book's order.
func TestDesigns(t *testing.T) {
	seen := map[string]Design{}
	for i, d := range Designs {
		if _, dup := seen[d.Name]; dup {
			t.Errorf("%s is in the list twice", d.Name)
		}
		seen[d.Name] = d
		if _, err := os.Stat(filepath.Join("..", d.Dir, "main.go")); err != nil {
			t.Errorf("%s: no program in %s: %v", d.Name, d.Dir, err)
		}
		if !strings.HasPrefix(d.Name, d.Program()[:len("servNN")]) {
			t.Errorf("%s is not named after its program %s", d.Name, d.Program())
		}
		if i > 0 && d.Row < Designs[i-1].Row {
			t.Errorf("%s (row %d) comes after row %d", d.Name, d.Row, Designs[i-1].Row)
		}
		if d.Of != "" {
			of, ok := seen[d.Of]
			if !ok || of.Dir != d.Dir || len(d.Flags) == 0 && d.Unit == of.Unit {
				t.Errorf("%s: a variant of %q, which is not an earlier design of %s "+
					"that it differs from", d.Name, d.Of, d.Dir)
			}
		}
		if d.Beyond() != (d.From != "") || d.Beyond() == (d.C != "") {
			t.Errorf("%s: a design beyond the book names the design it comes from, "+
				"one of the book's the C program it ports", d.Name)
		}
		if d.Forks && d.Idle == "" {
			t.Errorf("%s: a process design says where its children wait", d.Name)
		}
	}
	if len(Dirs()) != 14 {
		t.Errorf("%d program directories, want the book's nine and five beyond it", len(Dirs()))
	}
}

func TestChoose(t *testing.T) {
	names := func(ds []Design) (out []string) {
		for _, d := range ds {
			out = append(out, d.Name)
		}
		return out
	}
	for _, tt := range []struct {
		words []string
		want  []string
	}{
		{[]string{"serv05-fdpass", " 3", "serv07"},
			[]string{"serv03-flock", "serv03-rawfork", "serv05-fdpass", "serv07-threadpool"}},
		{[]string{"serv10", "2"},
			[]string{"serv02-prefork", "serv02-select", "serv02-rawfork", "serv10-epoll",
				"serv10-exclusive"}},
		{[]string{"serv11", "serv11-netpool"}, []string{"serv11-netpoll", "serv11-netpool"}},
	} {
		got, err := Choose(tt.words)
		if err != nil || !slices.Equal(names(got), tt.want) {
			t.Errorf("Choose(%q) = %v, %v; want %v", tt.words, names(got), err, tt.want)
		}
	}
	if all, _ := Choose([]string{"all"}); len(all) != len(Designs) {
		t.Errorf("all is %d designs", len(all))
	}
	if _, err := Choose([]string{"serv9"}); err == nil {
		t.Error("serv9 chosen")
	}
}

func TestArgs(t *testing.T) {
	d, _ := Lookup("serv10-exclusive")
	if got := strings.Join(d.Args(0, 3), " "); got != "-exclusive 127.0.0.1 0 3" {
		t.Errorf("serv10-exclusive's arguments: %s", got)
	}
	if d, _ := Lookup("serv06-thread"); len(d.Args(9999, 3)) != 2 {
		t.Errorf("serv06-thread takes no pool: %q", d.Args(9999, 3))
	}
}
