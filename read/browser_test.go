package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// measure is a page the test adds to the site: it shows the serv03 page in
// a frame 1400 px wide and in one 400 px wide (Chromium's window is never
// narrower than 500), and writes where the first row of child_main's block
// and the book's column stand in each, for --dump-dom to print.
const measure = `<!doctype html>
<html><body style="margin:0">
<iframe id="w1400" src="serv03-flock.html" style="width:1400px;height:1000px;border:0"></iframe>
<iframe id="w400" src="serv03-flock.html" style="width:400px;height:1000px;border:0"></iframe>
<script>
window.addEventListener("load", function () {
  var out = {};
  ["w1400", "w400"].forEach(function (id) {
    try {
      var f = document.getElementById(id);
      var b = f.contentDocument.getElementById("child_main");
      var box = function (sel) {
        var e = b.querySelector(sel);
        if (!e) return null;
        var r = e.getBoundingClientRect();
        return {l: r.left, r: r.right, t: r.top, b: r.bottom};
      };
      var d = f.contentDocument;
      var first = d.querySelector(".file .row .code").getBoundingClientRect();
      // every line whole: no block of code wider than the box it is in
      var cut = [];
      d.querySelectorAll("pre, .table").forEach(function (e) {
        if (e.scrollWidth > e.clientWidth + 1) cut.push(e.className + " " + e.scrollWidth + ">" + e.clientWidth);
      });
      var charts = [];
      d.querySelectorAll(".numbers img").forEach(function (e) {
        charts.push(e.getBoundingClientRect().width);
      });
      out[id] = {width: f.contentWindow.innerWidth, docs: box(".row .docs"),
        code: box(".row .code"), rows: box(".rows"), c: box("aside.c"),
        firstCode: first.top, cut: cut, charts: charts};
    } catch (e) {
      out[id] = {error: String(e)};
    }
  });
  var p = document.createElement("pre");
  p.id = "positions";
  p.textContent = JSON.stringify(out);
  document.body.appendChild(p);
});
</script>
</body></html>`

// narrow shows the serv03 page 400 px wide, for a screenshot.
const narrow = `<!doctype html>
<html><body style="margin:0">
<iframe src="serv03-flock.html" style="width:400px;height:2400px;border:0"></iframe>
</body></html>`

// screen is the height of a first screen: a laptop's window, a phone's.
const screen = 800

type box struct{ L, R, T, B float64 }

func (b *box) UnmarshalJSON(data []byte) error {
	var v struct{ L, R, T, B float64 }
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*b = box(v)
	return nil
}

type positions struct {
	Error               string
	Width               float64
	Docs, Code, Rows, C *box
	FirstCode           float64  // where the page's first code starts
	Cut                 []string // code or tables wider than their box
	Charts              []float64
}

// chromium finds a Chromium to drive, or says why there is none.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium on PATH (Debian: apt-get install chromium): the page's layout " +
		"is not checked in a browser")
	return ""
}

// runChromium runs a headless Chromium in a process group of its own,
// bounded in time, and ends the whole group when it is done.
func runChromium(t *testing.T, bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Start()
	if err != nil {
		return "", err
	}
	err = cmd.Wait()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // helpers it left behind
	if err != nil {
		return stdout.String(), errors.New(err.Error() + ": " + lastLines(stderr.String(), 3))
	}
	return stdout.String(), nil
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(ls[max(0, len(ls)-n):], "\n")
}

var positionsPre = regexp.MustCompile(`(?s)<pre id="positions">(.*?)</pre>`)

// The serv03 page in a real browser: comment, Go and the book's C side by
// side on a wide screen, stacked on a phone; a screenshot of each.
func TestBrowserLayout(t *testing.T) {
	bin := chromium(t)
	r, err := assemble(root(t), bookEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.render()
	if err != nil {
		t.Fatal(err)
	}
	s["measure.html"] = []byte(measure)
	s["narrow.html"] = []byte(narrow)
	srv := httptest.NewServer(s) // the site as -http serves it, on 127.0.0.1
	defer srv.Close()

	out, err := runChromium(t, bin, "--window-size=1900,1200", "--virtual-time-budget=10000",
		"--dump-dom", srv.URL+"/measure.html")
	m := positionsPre.FindStringSubmatch(out)
	if m == nil {
		t.Skipf("Chromium cannot start or render here (%v): the layout is not checked", err)
	}
	var ps map[string]positions
	if err := json.Unmarshal([]byte(htmlUnescape(m[1])), &ps); err != nil {
		t.Fatalf("%v in %s", err, m[1])
	}
	book := r.book != nil
	for _, width := range []int{1400, 400} {
		p, ok := ps["w"+strconv.Itoa(width)]
		if !ok || p.Error != "" || p.Docs == nil || p.Code == nil || p.Rows == nil {
			t.Fatalf("at %d px the page's child_main block is not as expected: %s", width, m[1])
		}
		if p.Width != float64(width) {
			t.Fatalf("asked for %d px, the page is %.0f px wide", width, p.Width)
		}
		if book && p.C == nil {
			t.Fatalf("at %d px, with the book, no C beside child_main", width)
		}
		if p.FirstCode > screen {
			t.Errorf("at %d px the code starts %.0f px down, past the first screen (%d px)",
				width, p.FirstCode, screen)
		}
		if len(p.Cut) > 0 {
			t.Errorf("at %d px these are cut at the right: %q", width, p.Cut)
		}
		if len(p.Charts) == 0 || slices.Min(p.Charts) < min(600, 0.9*p.Width) {
			t.Errorf("at %d px the charts are %v px wide: too small to read", width, p.Charts)
		}
		d, c := p.Docs, p.Code
		if width == 1400 {
			if c.L < d.R-1 || c.T > d.T+2 || c.T < d.T-2 {
				t.Errorf("at 1400 px the comment %+v and the Go %+v are not side by side", *d, *c)
			}
			if book && (p.C.L < c.R-1 || p.C.T > c.T+2) {
				t.Errorf("at 1400 px the C %+v is not beside the Go %+v", *p.C, *c)
			}
		} else {
			if c.T < d.B-1 || c.L > d.L+1 {
				t.Errorf("at 400 px the Go %+v is not under the comment %+v", *c, *d)
			}
			if c.R-c.L < 0.8*p.Width {
				t.Errorf("at 400 px the Go is %.0f px wide of %.0f", c.R-c.L, p.Width)
			}
			if book && p.C.T < p.Rows.B-1 {
				t.Errorf("at 400 px the C %+v is not under the Go %+v", *p.C, *p.Rows)
			}
		}
	}

	shots := os.Getenv("UNP_SCREENSHOTS")
	if shots == "" {
		shots = filepath.Join(os.TempDir(), "unp-read")
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, shot := range []struct{ name, size, page string }{
		{"serv03-1400.png", "1400,2400", "serv03-flock.html"},
		{"serv03-400.png", "500,2400", "narrow.html"}, // the page in 400 px, then white
	} {
		file := filepath.Join(shots, shot.name)
		_ = os.Remove(file)
		if _, err := runChromium(t, bin, "--window-size="+shot.size,
			"--virtual-time-budget=5000", "--screenshot="+file, srv.URL+"/"+shot.page); err != nil {
			t.Errorf("screenshot %s: %v", shot.name, err)
		} else if st, err := os.Stat(file); err != nil || st.Size() == 0 {
			t.Errorf("screenshot %s: none written", shot.name)
		} else {
			t.Logf("screenshot: %s", file)
		}
	}
}
