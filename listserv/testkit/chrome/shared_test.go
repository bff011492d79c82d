package chrome

import (
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestSessionsShareNoState: two sessions of the one shared Chromium see
// different cookies, and each page is checked.
func TestSessionsShareNoState(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/set" {
			http.SetCookie(w, &http.Cookie{Name: "who", Value: r.URL.Query().Get("v"), Path: "/"})
		}
		who := "nobody"
		if c, err := r.Cookie("who"); err == nil {
			who = c.Value
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width"><title>t</title></head><body><main><h1 id="who">%s</h1></main></body></html>`, who)
	}))
	defer srv.Close()
	a := Open(t, srv.URL, 320, 640)
	b := Open(t, srv.URL, 375, 740)
	a.Visit("a sets", "/set?v=ann", "#who")
	b.Visit("b looks", "/", "#who")
	if got := b.Text("#who"); got != "nobody" {
		t.Errorf("the second session sees the first one's cookie: %q", got)
	}
	a.Visit("a looks", "/", "#who")
	if got := a.Text("#who"); got != "ann" {
		t.Errorf("the first session lost its cookie: %q", got)
	}
	// A session's cookie does not reach the other one either way.
	b.Do("b sets", chromedp.Navigate(srv.URL+"/set?v=bob"))
	b.Visit("b looks again", "/", "#who")
	if got := b.Text("#who"); got != "bob" {
		t.Errorf("b: %q", got)
	}
}

// TestSessionAfterAnotherEnded: a session opened after another one ended
// (its tab and browser context disposed of) still works in the same
// Chromium.
func TestSessionAfterAnotherEnded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width"><title>t</title></head><body><main><h1 id="x">x</h1></main></body></html>`)
	}))
	defer srv.Close()
	t.Run("first", func(t *testing.T) { Open(t, srv.URL, 320, 640).Visit("page", "/", "#x") })
	t.Run("second", func(t *testing.T) { Open(t, srv.URL, 1024, 768).Visit("page", "/", "#x") })
}

// TestScreenshotIsWholePage: the browser draws frames only when asked,
// so Screenshot asks for one; the picture is the whole page, as wide as
// the screen and as tall as the page, and the screen is set back after.
func TestScreenshotIsWholePage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width"><title>t</title></head><body style="margin:0"><main><h1 id="x">x</h1><div style="height:2000px"></div></main></body></html>`)
	}))
	defer srv.Close()
	s := Open(t, srv.URL, 320, 640)
	s.Visit("page", "/", "#x")
	path := filepath.Join(t.TempDir(), "page.png")
	s.Screenshot(path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if img.Width != 320 || img.Height < 2000 {
		t.Errorf("screenshot %d×%d, want 320 wide and at least 2000 tall", img.Width, img.Height)
	}
	if h := Eval[int64](s, "screen", `innerHeight`); h != 640 {
		t.Errorf("after the screenshot the screen is %d tall, want 640", h)
	}
}

// recorder is a testing.TB that keeps the failures it is told of
// instead of failing the test, so a test can see what Check reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Helper() {}

// TestCheckFindsProblems: Check fails a page for each kind of problem it
// looks for (a serious axe-core violation, a page wider than the screen,
// invalid HTML) and passes the same page without them.
func TestCheckFindsProblems(t *testing.T) {
	const good = `<main><h1 id="x">Fine</h1><form action="/go"><label for="q">Search</label><input id="q" name="q"><button>Go</button></form></main>`
	bad := map[string]string{
		"axe color-contrast":  `<main><h1 id="x">Faint</h1><p style="color:#ccc;background:#fff">hard to read</p></main>`,
		"wider than":          `<main><h1 id="x">Wide</h1><div style="width:900px">wide</div></main>`,
		"empty action":        `<main><h1 id="x">Form</h1><form action=""><button>Go</button></form></main>`,
		"used more than once": `<main><h1 id="x">Twice</h1><p id="x">again</p></main>`,
		"has no label":        `<main><h1 id="x">Unlabelled</h1><input name="q" aria-hidden="false"></main>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := good
		if b, ok := bad[r.URL.Query().Get("p")]; ok {
			body = b
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width"><title>t</title></head><body>%s</body></html>`, body)
	}))
	defer srv.Close()
	s := Open(t, srv.URL, 320, 640)
	rec := &recorder{TB: t}
	s.t = rec
	s.Visit("good", "/", "#x")
	if len(rec.errors) > 0 {
		t.Errorf("a good page failed: %q", rec.errors)
	}
	for want := range bad {
		rec.errors = nil
		s.Visit(want, "/?p="+url.QueryEscape(want), "#x")
		if len(rec.errors) == 0 || !strings.Contains(strings.Join(rec.errors, "\n"), strings.TrimPrefix(want, "axe ")) {
			t.Errorf("%s: Check reported %q", want, rec.errors)
		}
	}
}
