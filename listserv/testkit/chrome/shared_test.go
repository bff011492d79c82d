package chrome

import (
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
