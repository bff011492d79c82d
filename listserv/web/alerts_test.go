package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// alertFake knows one alert token and records presses.
type alertFake struct {
	Core
	mu      sync.Mutex
	token   string
	pressed int
}

func (c *alertFake) Domain() string { return "lists.example.org" }
func (c *alertFake) action() listserv.AlertAction {
	return listserv.AlertAction{List: "act", Title: "Action Team", Subject: "Call <the> senator", Text: "Call now.\n\nSay hi.", Address: "m@example.net", Sent: time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)}
}
func (c *alertFake) AlertByToken(tok string) (listserv.AlertAction, error) {
	if tok != c.token {
		return listserv.AlertAction{}, listserv.ErrBadAlertLink
	}
	return c.action(), nil
}
func (c *alertFake) ActOnAlert(_ context.Context, tok string) (listserv.AlertAction, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tok != c.token {
		return listserv.AlertAction{}, listserv.ErrBadAlertLink
	}
	c.pressed++
	v := c.action()
	v.First = c.pressed == 1
	return v, nil
}
func (c *alertFake) presses() int { c.mu.Lock(); defer c.mu.Unlock(); return c.pressed }

// TestAlertLinkPage: GET shows the alert and one button and records
// nothing; POST records; a cross-site POST and a bad token record
// nothing.
func TestAlertLinkPage(t *testing.T) {
	core := &alertFake{token: "tok123"}
	srv := httptest.NewServer(Handler(Options{Core: core, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	post := func(path string, h map[string]string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(""))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, page := get("/a/TOK123")
	if code != 200 || !strings.Contains(page, "Call &lt;the&gt; senator") || !strings.Contains(page, `<form method="post">`) ||
		!strings.Contains(page, "I did it") || !strings.Contains(page, `<p dir="auto" class="said">Say hi.</p>`) || core.presses() != 0 {
		t.Fatalf("GET: %d, %d presses\n%s", code, core.presses(), page)
	}
	if code, _ := post("/a/tok123", map[string]string{"Sec-Fetch-Site": "cross-site"}); code != http.StatusForbidden || core.presses() != 0 {
		t.Errorf("cross-site POST: %d, %d presses", code, core.presses())
	}
	if code, page := post("/a/tok123", nil); code != 200 || !strings.Contains(page, "has noted") || core.presses() != 1 {
		t.Errorf("POST: %d, %d presses\n%s", code, core.presses(), page)
	}
	if code, page := post("/a/tok123", nil); code != 200 || !strings.Contains(page, "already") {
		t.Errorf("second POST: %d\n%s", code, page)
	}
	for _, bad := range []string{"/a/nope", "/a/" + strings.Repeat("a", 70), "/a/x%2Fy"} {
		if code, page := post(bad, nil); code != 404 || !strings.Contains(page, "nothing was recorded") {
			t.Errorf("POST %s: %d\n%s", bad, code, page)
		}
		if code, _ := get(bad); code != 404 {
			t.Errorf("GET %s: %d", bad, code)
		}
	}
	if core.presses() != 2 {
		t.Errorf("%d presses recorded, want 2", core.presses())
	}
}

func FuzzAlertToken(f *testing.F) {
	for _, s := range []string{"tok123", "ABC", "", "a/b", strings.Repeat("z", 65), "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, ok := alertToken(s)
		if !ok {
			return
		}
		if len(tok) == 0 || len(tok) > 64 || strings.ToLower(tok) != tok || strings.ContainsAny(tok, "/ \t") {
			t.Fatalf("accepted %q as %q", s, tok)
		}
	})
}

// alertModCore is modCore with one alert on "team".
type alertModCore struct{ modCore }

func (c *alertModCore) ListAlerts(ctx context.Context, a listserv.Actor, list string) ([]listserv.AlertSummary, error) {
	if err := c.check(a, list); err != nil {
		return nil, err
	}
	sent := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	return []listserv.AlertSummary{{Alert: store.Alert{ID: 4, List: "team", Subject: "Call <now>", Sent: sent, Recipients: 3, Done: 2},
		FollowupDue: sent.Add(48 * time.Hour)}}, nil
}
func (c *alertModCore) AlertDetail(ctx context.Context, a listserv.Actor, list string, id uint64) (listserv.AlertSummary, []store.AlertRcpt, error) {
	all, err := c.ListAlerts(ctx, a, list)
	if err != nil {
		return listserv.AlertSummary{}, nil, err
	}
	if id != 4 {
		return listserv.AlertSummary{}, nil, listserv.ErrNotFound
	}
	done := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	return all[0], []store.AlertRcpt{{Address: "ann@example.org", Done: done, Via: "reply", Note: "called <b>"},
		{Address: "bob@example.org", Done: done, Via: "web"}, {Address: "cat@example.org"}}, nil
}

// TestConsoleAlertPages: moderators see each alert's counts and who
// acted; members get 403, other lists 404.
func TestConsoleAlertPages(t *testing.T) {
	core := &alertModCore{}
	srv := httptest.NewServer(Handler(Options{Core: core, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	code, page := modDo(t, srv, "GET", "/lists/team/admin/alerts", "s-mod", nil, "")
	for _, want := range []string{"Call &lt;now&gt;", "to 3 members · done: <strong>2</strong> (66%)", "Follow-up: due", `href="/lists/team/admin/alerts/4"`, `aria-current="page">Alerts`} {
		if code != 200 || !strings.Contains(page, want) {
			t.Errorf("alerts page (%d) lacks %q:\n%s", code, want, page)
		}
	}
	code, page = modDo(t, srv, "GET", "/lists/team/admin/alerts/4", "s-mod", nil, "")
	for _, want := range []string{"<td>ann@example.org</td><td>done</td>", "by reply", `<td dir="auto">called &lt;b&gt;</td>`, "with the button", "<td>cat@example.org</td><td>not yet</td>"} {
		if code != 200 || !strings.Contains(page, want) {
			t.Errorf("alert page (%d) lacks %q:\n%s", code, want, page)
		}
	}
	if code, _ := modDo(t, srv, "GET", "/lists/team/admin/alerts/4", "s-mem", nil, ""); code != 403 {
		t.Errorf("a member: %d", code)
	}
	if code, _ := modDo(t, srv, "GET", "/lists/other/admin/alerts", "s-mod", nil, ""); code != 404 {
		t.Errorf("another list: %d", code)
	}
	if code, _ := modDo(t, srv, "GET", "/lists/team/admin/alerts/9", "s-mod", nil, ""); code != 404 {
		t.Errorf("a missing alert: %d", code)
	}
}
