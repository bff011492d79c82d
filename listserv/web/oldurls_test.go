package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"minyan/listserv"
)

// movedFake knows one old archive page.
type movedFake struct {
	fakeCore
	asked []string
}

func (c *movedFake) SessionAddress(string) (string, bool) { return "", false }
func (c *movedFake) OldArchiveTarget(_ listserv.Actor, path string) (string, error) {
	c.asked = append(c.asked, path)
	if path == "/pipermail/readers/2019-March/000123.html" {
		return "/lists/readers/m/124", nil
	}
	return "", listserv.ErrNotFound
}

func TestOldArchiveURLRedirects(t *testing.T) {
	core := &movedFake{}
	srv := httptest.NewServer(Handler(Options{Core: core, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range []struct {
		method, path string
		code         int
		loc          string
	}{
		{"GET", "/pipermail/readers/2019-March/000123.html", http.StatusMovedPermanently, "/lists/readers/m/124"},
		{"HEAD", "/pipermail/readers/2019-March/000123.html", http.StatusMovedPermanently, "/lists/readers/m/124"},
		{"GET", "/pipermail/readers/2019-March/000124.html", http.StatusNotFound, ""},
		{"POST", "/pipermail/readers/2019-March/000123.html", http.StatusNotFound, ""},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(""))
		if c.method == "POST" {
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.code || resp.Header.Get("Location") != c.loc {
			t.Errorf("%s %s: %d %q, want %d %q", c.method, c.path, resp.StatusCode, resp.Header.Get("Location"), c.code, c.loc)
		}
	}
	// minyan's own routes are never looked up as old pages.
	core.asked = nil
	resp, err := client.Get(srv.URL + "/healthz")
	if err == nil {
		resp.Body.Close()
	}
	if len(core.asked) != 0 {
		t.Errorf("a routed path was looked up: %v", core.asked)
	}
}
