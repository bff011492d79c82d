package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"minyan/store"
)

// TestCoalitionAPI: the organization endpoints over HTTP, every answer
// checked against docs/openapi.yaml: add, list, get, name delegates up
// to the cap (409 past it), remove one, remove the organization with
// its delegates; a read token cannot write.
func TestCoalitionAPI(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("co", "coalition", map[string]string{"own@example.net": "owner"})
	write, err := e.srv.App.Svc.CreateAPIToken("crm", store.ScopeWrite)
	if err != nil {
		t.Fatal(err)
	}
	read, err := e.srv.App.Svc.CreateAPIToken("reports", store.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	c := newAPIClient(t, e.srv.HTTPAddr)
	c.want(403, read, "POST", "/lists/co/orgs", map[string]any{"org": "ACME", "contacts": []string{"ca@acme.example"}})
	c.want(400, write, "POST", "/lists/co/orgs", map[string]any{"org": "ACME", "contacts": []string{"ca@acme.example"}, "partner_type": "bank"})
	out := c.want(201, write, "POST", "/lists/co/orgs", map[string]any{"org": "ACME", "contacts": []string{"ca@acme.example"}, "seats": 1,
		"partner_type": "jewish", "note": "synagogue board"})
	var o struct {
		Org         string
		PartnerType string `json:"partner_type"`
		Seats       int
		Delegates   []struct{ Address, Status string }
	}
	if err := json.Unmarshal(out, &o); err != nil || o.Seats != 1 || o.PartnerType != "jewish" {
		t.Fatalf("POST orgs: %s", out)
	}
	c.want(201, write, "POST", "/lists/co/orgs/ACME/delegates", map[string]string{"address": "d1@acme.example"})
	if out := c.want(409, write, "POST", "/lists/co/orgs/ACME/delegates", map[string]string{"address": "d2@acme.example"}); !strings.Contains(string(out), "1 of 1 seats filled") {
		t.Fatalf("over the cap: %s", out)
	}
	out = c.want(200, read, "GET", "/lists/co/orgs/ACME", nil)
	if err := json.Unmarshal(out, &o); err != nil || len(o.Delegates) != 1 || o.Delegates[0].Status != "pending" {
		t.Fatalf("GET org: %s", out)
	}
	if out := c.want(200, read, "GET", "/lists/co/orgs", nil); !strings.Contains(string(out), `"synagogue board"`) {
		t.Fatalf("GET orgs: %s", out)
	}
	c.want(404, read, "GET", "/lists/co/orgs/NOPE", nil)
	c.want(200, write, "DELETE", "/lists/co/orgs/ACME/delegates/d1@acme.example", nil)
	c.want(404, write, "DELETE", "/lists/co/orgs/ACME/delegates/d1@acme.example", nil)
	c.want(201, write, "POST", "/lists/co/orgs/ACME/delegates", map[string]string{"address": "d2@acme.example"})
	if out := c.want(200, write, "DELETE", "/lists/co/orgs/ACME", nil); string(out) != `{"removed":["d2@acme.example"]}`+"\n" {
		t.Fatalf("DELETE org: %s", out)
	}
	e.setup("team", "discussion", nil)
	c.want(422, write, "POST", "/lists/team/orgs", map[string]any{"org": "ACME", "contacts": []string{"ca@acme.example"}})
}

// TestCoalitionWebRights: over plain HTTP, the organization pages answer
// by right: a member who is no contact is refused both pages and their
// forms, another organization's contact is refused this one's, and a
// cross-site POST is refused even from the owner.
func TestCoalitionWebRights(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("co", "coalition", map[string]string{"own@example.org": "owner", "mem@example.org": "member"})
	e.mustCLI("org", "add", "--seats", "2", "co", "ACME", "ca@example.org")
	e.mustCLI("org", "add", "co", "BETA", "cb@example.org")
	clients := map[string]*webClient{}
	for _, who := range []string{"own@example.org", "mem@example.org", "ca@example.org", "cb@example.org"} {
		c := newWebClient(t, e)
		signIn(t, e, c, who, 0)
		clients[who] = c
	}
	add := url.Values{"action": {"add"}, "email": {"x@example.org"}}
	for _, tc := range []struct {
		who, method, path string
		form              url.Values
		want              int
	}{
		{"own@example.org", "GET", "/lists/co/orgs", nil, 200},
		{"mem@example.org", "GET", "/lists/co/orgs", nil, 403},
		{"ca@example.org", "GET", "/lists/co/orgs", nil, 403},
		{"mem@example.org", "POST", "/lists/co/orgs", url.Values{"action": {"add"}, "org": {"EVIL"}, "contact": {"mem@example.org"}}, 403},
		{"ca@example.org", "GET", "/lists/co/orgs/ACME", nil, 200},
		{"cb@example.org", "GET", "/lists/co/orgs/ACME", nil, 403},
		{"mem@example.org", "GET", "/lists/co/orgs/ACME", nil, 403},
		{"cb@example.org", "POST", "/lists/co/orgs/ACME", add, 403},
		{"mem@example.org", "POST", "/lists/co/orgs/ACME", add, 403},
		{"own@example.org", "GET", "/lists/co/orgs/NOPE", nil, 404},
		{"own@example.org", "POST", "/lists/co/orgs/NOPE", add, 404},
		{"cb@example.org", "GET", "/lists/co/orgs/NOPE", nil, 403},
	} {
		var code int
		var body string
		if tc.method == "GET" {
			code, body = clients[tc.who].get(tc.path)
		} else {
			code, body = clients[tc.who].post(tc.path, tc.form)
		}
		if code != tc.want {
			t.Errorf("%s %s by %s: %d, want %d\n%s", tc.method, tc.path, tc.who, code, tc.want, body)
		}
	}
	if code, _ := clients["own@example.org"].post("/lists/co/orgs", url.Values{"action": {"remove"}, "org": {"ACME"}}, "Sec-Fetch-Site", "cross-site"); code != 403 {
		t.Errorf("cross-site remove: %d", code)
	}
	if out := e.mustCLI("org", "ls", "co"); !strings.Contains(out, "ACME\tca@example.org\t\t2") || strings.Contains(out, "EVIL") || strings.Contains(out, "x@example.org") {
		t.Errorf("after refused requests:\n%s", out)
	}
}
