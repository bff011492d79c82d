package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/listserv/search"
	"minyan/store"
)

// archiveFake answers the archive pages from memory: list "open" has one
// post (1), everything else is hidden; it records what it was asked.
type archiveFake struct {
	fakeCore
	asked []string
}

func (c *archiveFake) SessionAddress(string) (string, bool) { return "", false }
func (c *archiveFake) Threads(_ context.Context, _ listserv.Actor, list string, page int) (listserv.ThreadPage, error) {
	c.asked = append(c.asked, "threads "+list)
	if list != "open" {
		return listserv.ThreadPage{}, listserv.ErrNotFound
	}
	return listserv.ThreadPage{List: "open", Page: page, Pages: 1, Total: 1, Threads: []listserv.ThreadSummary{{Thread: 1, Subject: "<b>Hi</b>", Posts: 1,
		Last: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), LastSeq: 1, Authors: []string{"Rivka"}}}}, nil
}
func (c *archiveFake) ArchiveMonths(context.Context, listserv.Actor, string) ([]listserv.MonthCount, error) {
	return []listserv.MonthCount{{Year: 2026, Month: time.November, Posts: 1}}, nil
}
func (c *archiveFake) Message(_ context.Context, _ listserv.Actor, list string, seq uint64, _ listserv.ViewOptions) (listserv.MessageView, error) {
	if list != "open" {
		return listserv.MessageView{}, listserv.ErrNotFound
	}
	if seq != 1 {
		return listserv.MessageView{}, listserv.ErrNoMessage
	}
	return listserv.MessageView{List: "open", Seq: 1, Thread: 1, Subject: "Hi", Author: "Rivka", Date: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC),
		Body: listserv.TextBlocks("hello <script>alert(1)</script> https://example.net/x\n> quoted\n-- \nsig")}, nil
}
func (c *archiveFake) CanRedact(listserv.Actor, string) bool { return false }

// ListPage knows "open" and "members" (whose archive only members read)
// as lists anyone may know of; every other list is hidden or missing.
func (c *archiveFake) ListPage(_ context.Context, _ listserv.Actor, name string) (listserv.ListView, error) {
	if name != "open" && name != "members" {
		return listserv.ListView{}, listserv.ErrNotFound
	}
	var v listserv.ListView
	v.Name = name
	return v, nil
}
func (c *archiveFake) SearchOrdered(_ context.Context, _ listserv.Actor, q, list string, page int, order listserv.SearchOrder) (listserv.SearchResults, error) {
	c.asked = append(c.asked, fmt.Sprintf("search %s|%s|%d", q, list, order))
	if q == "busy" {
		return listserv.SearchResults{}, listserv.ErrSearchBusy
	}
	if q == "common" {
		return listserv.SearchResults{Query: q, Page: page, PerPage: 20, Total: 10_000, More: true, Hits: []listserv.SearchHit{{List: "open", Seq: 1, Subject: "Hi"}}}, nil
	}
	return listserv.SearchResults{Query: q, Page: page, PerPage: 20, Total: 1, Hits: []listserv.SearchHit{{List: "open", Seq: 1, Subject: "Hi", Author: "Rivka",
		Snippet: []search.Segment{{Text: "a "}, {Text: "<zebra>", Marked: true}}}}}, nil
}
func (c *archiveFake) ReadableArchivesFor(listserv.Actor) ([]store.List, error) {
	return []store.List{{Name: "open"}}, nil
}
func (c *archiveFake) Resources(_ context.Context, _ listserv.Actor, f listserv.ResourceFilter) (listserv.ResourcePage, error) {
	c.asked = append(c.asked, "hub "+f.List+"|"+f.Tag+"|"+string(f.Kind))
	if f.List != "" && f.List != "open" {
		return listserv.ResourcePage{}, listserv.ErrNotFound
	}
	return listserv.ResourcePage{Total: 1, Page: 1, PerPage: 30, Entries: []search.Entry{{Key: "k", Title: "Guide", Kind: search.KindDocument,
		URL: "https://example.net/g", Tags: []string{"guides"}, Shares: []search.Share{{List: "open", Seq: 1, FromName: "Rivka", Subject: "Hi"}}}}}, nil
}
func (c *archiveFake) ResourceTags(listserv.Actor) (map[string]int, error) {
	return map[string]int{"guides": 1}, nil
}
func (c *archiveFake) Feed(_ context.Context, _ listserv.Actor, list string) ([]byte, error) {
	if list != "open" {
		return nil, listserv.ErrNotFound
	}
	return []byte(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><updated>2026-11-02T10:00:00Z</updated></feed>`), nil
}

func archiveServer(t *testing.T) (*httptest.Server, *archiveFake) {
	core := &archiveFake{}
	srv := httptest.NewServer(Handler(Options{Core: core, Archive: true, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	return srv, core
}

func fetch(t *testing.T, srv *httptest.Server, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestArchivePagesFakeCore(t *testing.T) {
	srv, core := archiveServer(t)
	resp, body := fetch(t, srv, "/lists/open/archive")
	if resp.StatusCode != 200 || !strings.Contains(body, "&lt;b&gt;Hi&lt;/b&gt;") || !strings.Contains(body, `href="/lists/open/archive/2026-11"`) {
		t.Errorf("threads: %d %s", resp.StatusCode, body)
	}
	if r2, _ := fetch(t, srv, "/lists/open/archive", "If-None-Match", resp.Header.Get("ETag")); r2.StatusCode != 304 {
		t.Errorf("304: %d", r2.StatusCode)
	}
	_, missing := fetch(t, srv, "/lists/nope/archive")
	if resp, body := fetch(t, srv, "/lists/hidden/archive"); resp.StatusCode != 404 || body != missing {
		t.Errorf("hidden list: %d", resp.StatusCode)
	}
	// A list anyone may know of, whose archive the visitor may not read
	// yet: sign in and come back.
	if resp, body := fetch(t, srv, "/lists/members/m/3"); resp.Request.URL.RequestURI() != "/login?next=%2Flists%2Fmembers%2Fm%2F3" ||
		!strings.Contains(body, `name="next" value="/lists/members/m/3"`) {
		t.Errorf("members-only message, signed out: landed on %q\n%s", resp.Request.URL.RequestURI(), body)
	}
	if resp, body := fetch(t, srv, "/lists/members/feed.atom"); resp.StatusCode != 404 || body != missing {
		t.Errorf("members-only feed, signed out: %d (a feed reader cannot sign in)", resp.StatusCode)
	}
	_, body = fetch(t, srv, "/lists/open/m/1")
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") || !strings.Contains(body, `<details class="quote">`) ||
		!strings.Contains(body, `href="https://example.net/x"`) || !strings.Contains(body, "body sig") {
		t.Errorf("message page: %s", body)
	}
	if resp, _ := fetch(t, srv, "/lists/open/m/2"); resp.StatusCode != 404 {
		t.Errorf("missing message: %d", resp.StatusCode)
	}
	_, body = fetch(t, srv, "/search?q=zebra&list=open")
	if !strings.Contains(body, "<mark>&lt;zebra&gt;</mark>") {
		t.Errorf("search: %s", body)
	}
	_, body = fetch(t, srv, "/resources?tag=%23Guides&kind=web-page")
	if !strings.Contains(body, `href="https://example.net/g"`) {
		t.Errorf("hub: %s", body)
	}
	if resp, _ := fetch(t, srv, "/lists/hidden/resources"); resp.StatusCode != 404 {
		t.Errorf("hidden hub: %d", resp.StatusCode)
	}
	if resp, _ := fetch(t, srv, "/lists/open/feed.atom"); resp.StatusCode != 200 || resp.Header.Get("Last-Modified") != "Mon, 02 Nov 2026 10:00:00 GMT" {
		t.Errorf("feed: %d %v", resp.StatusCode, resp.Header)
	}
	want := "hub |guides|web page"
	found := false
	for _, a := range core.asked {
		found = found || a == want
	}
	if !found {
		t.Errorf("filters reached the domain as %v, want %q", core.asked, want)
	}
	// Bad parameters never reach the domain.
	n := len(core.asked)
	for _, p := range []string{"/lists/open/archive?page=-1", "/lists/open/archive?page=abc", "/lists/Open/archive", "/search?list=" + url.QueryEscape("a b") + "&q=x"} {
		if resp, _ := fetch(t, srv, p); resp.StatusCode != 404 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	if len(core.asked) != n {
		t.Errorf("bad parameters reached the domain: %v", core.asked[n:])
	}
	// Off: no archive pages at all.
	off := httptest.NewServer(Handler(Options{Core: core, Logger: slog.New(slog.DiscardHandler)}))
	defer off.Close()
	if resp, _ := fetch(t, off, "/lists/open/archive"); resp.StatusCode != 404 {
		t.Errorf("archive off: %d", resp.StatusCode)
	}
}

func FuzzArchivePathParams(f *testing.F) {
	for _, s := range []string{"1", "0", "01", "18446744073709551615", "18446744073709551616", "-1", "+1", "1e3", " 1", "१", "2026-11", "2026-13", "26-11", "2026-1", "0000-00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := parseSeq(s); ok && (n == 0 || s != strings.TrimLeft(s, "0+- ")) {
			t.Fatalf("parseSeq(%q) = %d", s, n)
		}
		if n, ok := parseAttachment(s); ok && (n < 1 || n > 1000) {
			t.Fatalf("parseAttachment(%q) = %d", s, n)
		}
		if n, ok := parsePage(s); ok && (n < 1 || n > maxPage) {
			t.Fatalf("parsePage(%q) = %d", s, n)
		}
		if y, m, ok := parseMonthPath(s); ok && (y < 1970 || y > 9999 || m < 1 || m > 12 || len(s) != 7) {
			t.Fatalf("parseMonthPath(%q) = %d %d", s, y, m)
		}
	})
}

func FuzzResourceQuery(f *testing.F) {
	f.Add("#Guides", "web-page", "zebra", "open", "2")
	f.Add("שבת", "video", "", "", "")
	f.Add("a b", "nonsense", strings.Repeat("x", 300), "UPPER", "0")
	f.Fuzz(func(t *testing.T, tag, kind, q, list, page string) {
		v := map[string]string{"tag": tag, "kind": kind, "q": q, "list": list, "page": page}
		r, problem, ok := parseResourceQuery(func(k string) string { return v[k] })
		if !ok {
			if problem == "" {
				t.Fatal("refused without a reason")
			}
			return
		}
		if strings.ContainsAny(r.Tag, " #\x00") || len(r.Tag) > 64 || r.Page < 1 || len(r.Q) > 200 {
			t.Fatalf("accepted %+v", r)
		}
		if r.List != "" {
			if _, ok := listName(r.List); !ok {
				t.Fatalf("list %q", r.List)
			}
		}
		if r.Kind != "" {
			if _, ok := search.ParseKind(string(r.Kind)); !ok {
				t.Fatalf("kind %q", r.Kind)
			}
		}
	})
}

func FuzzSearchQueryField(f *testing.F) {
	for _, s := range []string{"zebra", `"study guide" from:rivka`, strings.Repeat("a", 501), "\x00", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, ok := cleanQuery(s)
		if ok && (len(q) > maxQuery || strings.ContainsRune(q, 0)) {
			t.Fatalf("cleanQuery(%q) = %q", s, q)
		}
		if r, ok := parseRedactForm(&http.Request{Form: url.Values{"reason": {s}}, PostForm: url.Values{"reason": {s}}}); ok && len(r) > 500 {
			t.Fatalf("reason of %d bytes", len(r))
		}
	})
}

// TestSearchBusyOrderAndCounts: a search the server has no room for is a
// polite 503 with Retry-After (never a 500); sort=relevance reaches the
// domain and stays on the pager; a count that stopped says "More than".
func TestSearchBusyOrderAndCounts(t *testing.T) {
	srv, core := archiveServer(t)
	resp, body := fetch(t, srv, "/search?q=busy")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "try again") {
		t.Errorf("busy: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	_, body = fetch(t, srv, "/search?q=zebra&sort=relevance")
	if last := core.asked[len(core.asked)-1]; last != fmt.Sprintf("search zebra||%d", listserv.SearchByRelevance) {
		t.Errorf("relevance reached the domain as %q", last)
	}
	if !strings.Contains(body, "Best match first") || !strings.Contains(body, `name="sort" value="relevance"`) {
		t.Errorf("relevance page: %s", body)
	}
	_, body = fetch(t, srv, "/search?q=common")
	if last := core.asked[len(core.asked)-1]; last != fmt.Sprintf("search common||%d", listserv.SearchByDate) {
		t.Errorf("the default order reached the domain as %q", last)
	}
	if !strings.Contains(body, "More than 10000 messages found") || !strings.Contains(body, "Newest first") ||
		!strings.Contains(body, `href="/search?q=common&amp;sort=relevance"`) {
		t.Errorf("counted page: %s", body)
	}
}
