package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"minyan/listserv"
)

// TestConsolePermissionTable signs in one person per role and tries each
// console action over HTTP on list "team" (and the caucus "circle").
func TestConsolePermissionTable(t *testing.T) {
	t.Parallel()
	e := startEnv(t, func(c *Config) { c.Web.Admins = []string{"root@example.org"} })
	roles := map[string]string{"mem@example.org": "member", "fac@example.org": "facilitator", "mod@example.org": "moderator", "own@example.org": "owner"}
	e.setup("team", "community", roles)
	e.setup("circle", "caucus", roles)
	e.setup("other", "discussion", map[string]string{"boss@example.org": "owner", "root@example.org": "member", "none@example.org": "member"})
	clients := map[string]*webClient{"anonymous": newWebClient(t, e)}
	for _, who := range []string{"none@example.org", "mem@example.org", "fac@example.org", "mod@example.org", "own@example.org", "root@example.org", "boss@example.org"} {
		c := newWebClient(t, e)
		signIn(t, e, c, who, 0)
		clients[who] = c
	}
	type action struct {
		name, method, path string
		form               url.Values
		least              string // least role, "site" for site admins
	}
	actions := []action{
		{"console", "GET", "/lists/%s/admin", nil, "facilitator"},
		{"sessions page", "GET", "/lists/%s/admin/sessions", nil, "facilitator"},
		{"add session", "POST", "/lists/%s/admin/sessions", url.Values{"start": {"2027-01-07 19:00"}, "every": {"once"}}, "facilitator"},
		{"pairs page", "GET", "/lists/%s/admin/pairs", nil, "facilitator"},
		{"make pairs", "POST", "/lists/%s/admin/pairs", url.Values{"action": {"make"}}, "facilitator"},
		{"settings page", "GET", "/lists/%s/admin/settings", nil, "owner"},
		{"change setting", "POST", "/lists/%s/admin/settings", url.Values{"footer": {"changed"}}, "owner"},
		{"mail texts", "GET", "/lists/%s/admin/templates", nil, "owner"},
		{"save text", "POST", "/lists/%s/admin/templates/welcome", url.Values{"action": {"save"}, "text": {"Subject: Hi\n\nHello.\n"}}, "owner"},
		{"remove page", "GET", "/admin/lists/%s/remove", nil, "site"},
	}
	rank := map[string]int{"member": 0, "facilitator": 1, "moderator": 2, "owner": 3}
	for _, list := range []string{"team", "circle"} {
		for who, c := range clients {
			for _, a := range actions {
				path := strings.ReplaceAll(a.path, "%s", list)
				var code int
				var body string
				if a.method == "GET" {
					code, body = c.get(path)
				} else {
					code, body = c.post(path, a.form)
				}
				role, onList := roles[who]
				allowed := who == "root@example.org" || (onList && a.least != "site" && rank[role] >= rank[a.least])
				want := http.StatusForbidden
				switch {
				case allowed:
					want = http.StatusOK
				case list == "circle" && !onList:
					want = http.StatusNotFound
				}
				if code != want {
					t.Errorf("%s by %s on %s: %d, want %d", a.name, who, list, code, want)
				}
				if want == http.StatusNotFound && !strings.Contains(body, "Page not found") {
					t.Errorf("%s by %s on %s: not the not-found page", a.name, who, list)
				}
			}
		}
	}
	// A caucus's console answers exactly as a missing list's.
	_, caucus := clients["boss@example.org"].get("/lists/circle/admin/settings")
	_, missing := clients["boss@example.org"].get("/lists/nosuch/admin/settings")
	if caucus != missing {
		t.Errorf("caucus console differs from a missing list's")
	}
	// Site admin: overview and creation; others are refused.
	if code, _ := clients["own@example.org"].get("/admin"); code != http.StatusForbidden {
		t.Errorf("owner on /admin: %d", code)
	}
	if code, _ := clients["own@example.org"].post("/admin/lists", url.Values{"name": {"sneaky"}, "kind": {"discussion"}}); code != http.StatusForbidden {
		t.Errorf("owner creating a list: %d", code)
	}
	code, body := clients["root@example.org"].get("/admin")
	if code != 200 || !strings.Contains(body, `href="/lists/circle/admin"`) {
		t.Errorf("site admin overview: %d", code)
	}
	// Cross-site POSTs are refused, even from an owner.
	code, _ = clients["own@example.org"].post("/lists/team/admin/settings", url.Values{"title": {"Hijacked"}}, "Sec-Fetch-Site", "cross-site")
	if code != http.StatusForbidden {
		t.Errorf("cross-site settings post: %d", code)
	}
	code, _ = clients["root@example.org"].post("/admin/lists", url.Values{"name": {"evil"}, "kind": {"discussion"}}, "Sec-Fetch-Site", "", "Origin", "https://evil.example")
	if code != http.StatusForbidden {
		t.Errorf("cross-origin list creation: %d", code)
	}
	if l, _ := e.srv.App.Svc.GetList("team"); l.Settings.Title == "Hijacked" {
		t.Errorf("a cross-site post changed the title")
	}
	if _, err := e.srv.App.Svc.GetList("evil"); err == nil {
		t.Errorf("a cross-site post made a list")
	}
}

// TestConsoleSettingsAllOrNone: one bad value, nothing changes, the
// reason sits next to its field; a person marked admin in the store may
// create and remove lists.
func TestConsoleSettingsAndSiteAdmin(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{"own@example.org": "owner"})
	own := newWebClient(t, e)
	signIn(t, e, own, "own@example.org", 0)
	code, body := own.post("/lists/team/admin/settings", url.Values{"title": {"Renamed"}, "capacity": {"lots"}})
	if code != http.StatusBadRequest || !strings.Contains(body, `id="e-capacity"`) || !strings.Contains(body, "whole number") {
		t.Fatalf("bad setting: %d\n%s", code, body)
	}
	if l, _ := e.srv.App.Svc.GetList("team"); l.Settings.Title != "team" {
		t.Errorf("title changed to %q despite a refused value", l.Settings.Title)
	}
	if code, _ := own.post("/lists/team/admin/settings", url.Values{"title": {"Renamed"}, "capacity": {"20"}}); code != 200 {
		t.Fatalf("good settings: %d", code)
	}
	if l, _ := e.srv.App.Svc.GetList("team"); l.Settings.Title != "Renamed" || l.Settings.Capacity != 20 {
		t.Errorf("settings not applied: %+v", l.Settings)
	}
	yes := true
	if err := e.srv.App.Svc.SetPerson(context.Background(), listserv.Operator(listserv.DoorCLI), "own@example.org", listserv.PersonChange{Admin: &yes}); err != nil {
		t.Fatal(err)
	}
	if code, body := own.post("/admin/lists", url.Values{"name": {"circle"}, "kind": {"community"}, "title": {"Study circle"}}); code != 200 || !strings.Contains(body, "Made the list circle") {
		t.Fatalf("create: %d %s", code, body)
	}
	l, err := e.srv.App.Svc.GetList("circle")
	if err != nil || l.Settings.Capacity != 15 || l.Settings.Title != "Study circle" {
		t.Errorf("created list: %+v %v", l.Settings, err)
	}
	if code, _ := own.post("/admin/lists/circle/remove", url.Values{"confirm": {"wrong"}}); code != http.StatusBadRequest {
		t.Errorf("remove without confirmation: %d", code)
	}
	if code, _ := own.post("/admin/lists/circle/remove", url.Values{"confirm": {"circle"}}); code != 200 {
		t.Errorf("remove: %d", code)
	}
	if _, err := e.srv.App.Svc.GetList("circle"); err == nil {
		t.Errorf("list still there")
	}
	log, _ := e.srv.App.Svc.Audit(context.Background(), listserv.Operator(listserv.DoorCLI), "", 0)
	if len(log) == 0 || !strings.Contains(log[0].What, "removed the list circle") || log[0].Door != "web" {
		t.Errorf("audit of the removal: %+v", log)
	}
}
