package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"minyan/store"
)

// apiClient calls the running server's API and checks every response
// against docs/openapi.yaml, so the document cannot drift from the code.
type apiClient struct {
	t      *testing.T
	base   string
	router routers.Router
}

func newAPIClient(t *testing.T, httpAddr string) *apiClient {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("docs/openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: "http://" + httpAddr + "/api/v1"}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, base: "http://" + httpAddr + "/api/v1", router: router}
}

// do sends a request and returns status and body; the response must match
// the document (unless the path is not in it, which only the test of
// unknown endpoints does).
func (c *apiClient) do(token, method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			c.t.Fatal(err)
		}
	}
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusNoContent && ct != "application/json" {
		c.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return resp.StatusCode, out
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: resp.StatusCode, Header: resp.Header, Body: io.NopCloser(bytes.NewReader(out)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		c.t.Errorf("%s %s answered %d %s, which docs/openapi.yaml does not describe: %v", method, path, resp.StatusCode, out, err)
	}
	return resp.StatusCode, out
}

// want checks the status of a call and returns its body.
func (c *apiClient) want(code int, token, method, path string, body any) []byte {
	c.t.Helper()
	got, out := c.do(token, method, path, body)
	if got != code {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, got, code, out)
	}
	if code >= 400 {
		var e struct{ Error string }
		if err := json.Unmarshal(out, &e); err != nil || e.Error == "" {
			c.t.Fatalf("%s %s: error body %q is not {\"error\": ...}", method, path, out)
		}
	}
	return out
}

func TestAPIEveryEndpointOverHTTP(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	svc := e.srv.App.Svc
	write, err := svc.CreateAPIToken("crm", store.ScopeWrite)
	if err != nil {
		t.Fatal(err)
	}
	read, err := svc.CreateAPIToken("reports", store.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	if len(write) < len("myn_")+22 { // 128 bits in base64 is 22 characters
		t.Fatalf("token %q is too short", write)
	}
	c := newAPIClient(t, e.srv.HTTPAddr)

	// Authentication and scopes.
	c.want(401, "", "GET", "/lists", nil)
	c.want(401, "myn_wrong", "GET", "/lists", nil)
	c.want(200, read, "GET", "/lists", nil)
	c.want(403, read, "POST", "/lists", map[string]string{"name": "team"})

	// Lists.
	c.want(201, write, "POST", "/lists", map[string]string{"name": "team", "kind": "community", "title": "Team"})
	c.want(409, write, "POST", "/lists", map[string]string{"name": "team", "kind": "community"})
	c.want(422, write, "POST", "/lists", map[string]string{"name": "Bad Name!"})
	c.want(400, write, "POST", "/lists", `{"name":"x","colour":"red"}`)
	c.want(400, write, "POST", "/lists", `{"name":"x"}{"name":"y"}`)
	c.want(400, write, "POST", "/lists", `not json`)
	c.want(400, write, "POST", "/lists", `{"name":"`+strings.Repeat("a", 2<<20)+`"}`)
	var lists []map[string]any
	json.Unmarshal(c.want(200, write, "GET", "/lists", nil), &lists)
	if len(lists) != 1 || lists[0]["name"] != "team" || lists[0]["members"] != 0.0 {
		t.Fatalf("lists: %v", lists)
	}
	var l struct {
		Settings map[string]string
	}
	json.Unmarshal(c.want(200, write, "GET", "/lists/team", nil), &l)
	if l.Settings["lapsed_members"] != "keep" || l.Settings["subscribe"] != "approve" {
		t.Fatalf("settings: %v", l.Settings)
	}
	c.want(404, write, "GET", "/lists/nope", nil)
	json.Unmarshal(c.want(200, write, "PATCH", "/lists/team", map[string]any{"settings": map[string]any{"require_good_standing": true, "lapsed_members": "nomail", "capacity": 20}}), &l)
	if l.Settings["lapsed_members"] != "nomail" || l.Settings["capacity"] != "20" {
		t.Fatalf("after PATCH: %v", l.Settings)
	}
	c.want(422, write, "PATCH", "/lists/team", map[string]any{"settings": map[string]any{"subject_prefix": "[x]", "subscribe": "sometimes"}})
	json.Unmarshal(c.want(200, write, "GET", "/lists/team", nil), &l)
	if l.Settings["subject_prefix"] == "[x]" {
		t.Fatal("a refused PATCH changed a setting (must be all or none)")
	}
	c.want(404, write, "PATCH", "/lists/nope", map[string]any{"settings": map[string]any{"capacity": 3}})

	// Members.
	c.want(201, write, "POST", "/lists/team/members", map[string]string{"address": "Rivka@Example.org", "name": "Rivka", "role": "owner"})
	c.want(409, write, "POST", "/lists/team/members", map[string]string{"address": "rivka@example.org"})
	c.want(422, write, "POST", "/lists/team/members", map[string]string{"address": "not an address"})
	c.want(422, write, "POST", "/lists/team/members", map[string]string{"address": "a@example.org", "role": "king"})
	c.want(404, write, "POST", "/lists/nope/members", map[string]string{"address": "a@example.org"})
	c.want(201, write, "POST", "/lists/team/members", map[string]string{"address": "dana@example.org"})
	var ms []map[string]string
	json.Unmarshal(c.want(200, read, "GET", "/lists/team/members", nil), &ms)
	if len(ms) != 2 || ms[1]["address"] != "rivka@example.org" || ms[1]["name"] != "Rivka" || ms[1]["role"] != "owner" {
		t.Fatalf("members: %v", ms)
	}
	c.want(200, write, "PATCH", "/lists/team/members/dana@example.org", map[string]string{"mode": "digest"})
	c.want(422, write, "PATCH", "/lists/team/members/dana@example.org", map[string]string{"mode": "sometimes"})
	c.want(404, write, "PATCH", "/lists/team/members/nobody@example.org", map[string]string{"mode": "digest"})
	c.want(400, write, "PATCH", "/lists/team/members/dana@example.org", map[string]string{})

	// Roster sync: a dry run changes nothing; roles are kept.
	roster := []map[string]string{{"address": "dana@example.org", "mode": "each"}, {"address": "eli@example.org", "name": "Eli"}}
	var diff struct{ Added, Updated, Removed []string }
	json.Unmarshal(c.want(200, write, "PUT", "/lists/team/members?dry_run=true", roster), &diff)
	if strings.Join(diff.Added, ",") != "eli@example.org" || strings.Join(diff.Updated, ",") != "dana@example.org" || len(diff.Removed) != 0 {
		t.Fatalf("dry run diff: %+v", diff)
	}
	json.Unmarshal(c.want(200, write, "GET", "/lists/team/members", nil), &ms)
	if len(ms) != 2 {
		t.Fatalf("a dry run changed the roster: %v", ms)
	}
	c.want(400, write, "PUT", "/lists/team/members?dry_run=maybe", roster)
	c.want(422, write, "PUT", "/lists/team/members", []map[string]string{{"address": "x@example.org"}, {"address": "X@example.org"}})
	c.want(400, write, "PUT", "/lists/team/members", `{"address":"x@example.org"}`)
	json.Unmarshal(c.want(200, write, "PUT", "/lists/team/members", roster), &diff)
	json.Unmarshal(c.want(200, write, "GET", "/lists/team/members", nil), &ms)
	if len(ms) != 3 {
		t.Fatalf("after sync (owner kept): %v", ms)
	}
	json.Unmarshal(c.want(200, write, "PUT", "/lists/team/members?include_roles=true", roster), &diff)
	if strings.Join(diff.Removed, ",") != "rivka@example.org" {
		t.Fatalf("include_roles removed %v", diff.Removed)
	}
	c.want(404, write, "PUT", "/lists/nope/members", roster)
	if n := len(e.sink.Messages()); n != 0 {
		t.Fatalf("a sync without notify sent %d mails", n)
	}

	// People and good standing: nomail pauses delivery, return restores it.
	var p struct {
		GoodStanding bool `json:"good_standing"`
		Lists        []map[string]string
	}
	c.want(200, write, "PATCH", "/people/dana@example.org", map[string]bool{"good_standing": true})
	json.Unmarshal(c.want(200, write, "PATCH", "/people/dana@example.org", map[string]bool{"good_standing": false}), &p)
	if p.GoodStanding || len(p.Lists) != 1 || p.Lists[0]["mode"] != "nomail" {
		t.Fatalf("after lapse: %+v", p)
	}
	json.Unmarshal(c.want(200, read, "GET", "/people/dana@example.org", nil), &p)
	json.Unmarshal(c.want(200, write, "PATCH", "/people/dana@example.org", map[string]bool{"good_standing": true}), &p)
	if !p.GoodStanding || p.Lists[0]["mode"] != "each" {
		t.Fatalf("after renewal: %+v", p)
	}
	c.want(404, write, "GET", "/people/nobody@example.org", nil)
	c.want(422, write, "PATCH", "/people/not-an-address", map[string]bool{"good_standing": true})
	c.want(400, write, "PATCH", "/people/dana@example.org", `{"good_standing":"yes"}`)

	// Held posts: a non-member's post is held.
	if err := e.send("stranger@example.net", []string{"team@" + e.cfg.Server.Domain}, post("stranger@example.net", "team@"+e.cfg.Server.Domain, "Hello there", "hi")); err != nil {
		t.Fatal(err)
	}
	var held []map[string]any
	json.Unmarshal(c.want(200, read, "GET", "/lists/team/held", nil), &held)
	if len(held) != 1 {
		t.Fatalf("held: %v", held)
	}
	id := int(held[0]["id"].(float64))
	idPath := "/lists/team/held/" + itoa(id)
	c.want(422, write, "POST", idPath, map[string]string{"action": "maybe"})
	c.want(200, write, "POST", idPath, map[string]string{"action": "discard", "reason": "spam"})
	c.want(409, write, "POST", idPath, map[string]string{"action": "approve"})
	c.want(404, write, "POST", "/lists/team/held/999", map[string]string{"action": "approve"})
	c.want(404, write, "GET", "/lists/nope/held", nil)

	// Sessions.
	var ss []map[string]any
	json.Unmarshal(c.want(201, write, "POST", "/lists/team/sessions", map[string]any{"start": "2026-12-01 19:00", "tz": "UTC", "every": "weekly", "count": 2, "duration": "90m", "topic": "Intro"}), &ss)
	if len(ss) != 2 {
		t.Fatalf("sessions made: %v", ss)
	}
	json.Unmarshal(c.want(200, read, "GET", "/lists/team/sessions", nil), &ss)
	if len(ss) != 2 || ss[0]["topic"] != "Intro" {
		t.Fatalf("sessions: %v", ss)
	}
	c.want(422, write, "POST", "/lists/team/sessions", map[string]any{"start": "tomorrow"})
	c.want(404, write, "GET", "/lists/nope/sessions", nil)

	// An event with registration: one seat, a question; answers by the API.
	json.Unmarshal(c.want(201, write, "POST", "/lists/team/sessions", map[string]any{"start": "2026-12-04", "tz": "America/New_York", "all_day": true,
		"duration": "72h", "location": "Auburn, MA", "seats": 1, "questions": []string{"Dietary needs?"}}), &ss)
	if len(ss) != 1 || ss[0]["location"] != "Auburn, MA" || ss[0]["all_day"] != true || ss[0]["seats"] != float64(1) || ss[0]["duration"] != "72h" {
		t.Fatalf("event made: %v", ss)
	}
	rsvpPath := "/lists/team/sessions/" + itoa(int(ss[0]["id"].(float64))) + "/rsvp"
	var res map[string]any
	json.Unmarshal(c.want(200, write, "POST", rsvpPath, map[string]any{"address": "dana@example.org", "answer": "yes", "answers": []string{"vegan"}}), &res)
	if res["status"] != "registered" {
		t.Fatalf("dana: %v", res)
	}
	json.Unmarshal(c.want(200, write, "POST", rsvpPath, map[string]any{"address": "Eli@example.org", "answer": "yes"}), &res)
	if res["status"] != "waitlisted" || res["waitlist"] != float64(1) {
		t.Fatalf("eli: %v", res)
	}
	json.Unmarshal(c.want(200, write, "POST", rsvpPath, map[string]any{"address": "dana@example.org", "answer": "no"}), &res)
	if res["status"] != "declined" {
		t.Fatalf("dana declines: %v", res)
	}
	c.want(404, write, "POST", rsvpPath, map[string]any{"address": "nobody@example.org", "answer": "yes"})
	// A session that does not exist is 404, not "answers are closed" (422).
	c.want(404, write, "POST", "/lists/team/sessions/9999/rsvp", map[string]any{"address": "dana@example.org", "answer": "yes"})
	c.want(422, write, "POST", rsvpPath, map[string]any{"address": "dana@example.org", "answer": "perhaps"})
	c.want(403, read, "POST", rsvpPath, map[string]any{"address": "dana@example.org", "answer": "yes"})
	c.want(400, write, "POST", rsvpPath, `{"address":"dana@example.org","answer":"yes","answers":"vegan"}`)
	ss = nil
	json.Unmarshal(c.want(200, read, "GET", "/lists/team/sessions", nil), &ss)
	if len(ss) != 3 || ss[1]["location"] != "Auburn, MA" || ss[1]["rsvp"].(map[string]any)["yes"] != float64(1) || ss[0]["location"] != nil {
		t.Fatalf("sessions after the answers: %v", ss)
	}

	// Messages and search: a member's post is archived.
	if err := e.send("dana@example.org", []string{"team@" + e.cfg.Server.Domain}, post("dana@example.org", "team@"+e.cfg.Server.Domain, "Potluck plans", "Bring hummus please")); err != nil {
		t.Fatal(err)
	}
	var msgs []map[string]any
	json.Unmarshal(c.want(200, read, "GET", "/lists/team/messages?since=0", nil), &msgs)
	if len(msgs) != 1 || msgs[0]["subject"] != "Potluck plans" {
		t.Fatalf("messages: %v", msgs)
	}
	json.Unmarshal(c.want(200, read, "GET", "/lists/team/messages?since=1", nil), &msgs)
	if len(msgs) != 0 {
		t.Fatalf("messages since 1: %v", msgs)
	}
	c.want(400, read, "GET", "/lists/team/messages?since=-1", nil)
	c.want(404, read, "GET", "/lists/nope/messages", nil)
	// The full-text index catches up after the archive commit, off the
	// posting path: wait for it (a barrier, not a sleep).
	var hits []map[string]any
	waitFor(t, "the search index to have the post", func() bool {
		json.Unmarshal(c.want(200, read, "GET", "/search?q="+url.QueryEscape("HUMMUS"), nil), &hits)
		return len(hits) > 0
	})
	if len(hits) != 1 || !strings.Contains(hits[0]["snippet"].(string), "hummus") {
		t.Fatalf("search: %v", hits)
	}
	c.want(400, read, "GET", "/search", nil)

	// Deleting.
	c.want(204, write, "DELETE", "/lists/team/members/eli@example.org", nil)
	c.want(404, write, "DELETE", "/lists/team/members/eli@example.org", nil)
	c.want(204, write, "DELETE", "/lists/team", nil)
	c.want(404, write, "DELETE", "/lists/team", nil)
	c.want(404, write, "GET", "/nothing-here", nil)

	// Revocation takes effect at once.
	if err := svc.RemoveAPIToken("reports"); err != nil {
		t.Fatal(err)
	}
	c.want(401, read, "GET", "/lists", nil)
	toks, _ := svc.APITokens()
	if len(toks) != 1 || toks[0].LastUsed.IsZero() {
		t.Fatalf("tokens after rm: %+v", toks)
	}
}

// TestAPIThrottlesOnlyWrongTokens: wrong tokens from one address are
// throttled, but a valid token always passes, even from a throttled
// address (behind a proxy every client shares one address: a stranger's
// wrong guesses must not lock the CRM out).
func TestAPIThrottlesOnlyWrongTokens(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	good, err := e.srv.App.Svc.CreateAPIToken("crm", store.ScopeWrite)
	if err != nil {
		t.Fatal(err)
	}
	c := newAPIClient(t, e.srv.HTTPAddr)
	for range 10 {
		c.want(401, "myn_guess", "GET", "/lists", nil)
	}
	c.want(429, "myn_guess", "GET", "/lists", nil)
	c.want(429, "", "GET", "/lists", nil)
	c.want(200, good, "GET", "/lists", nil)
	c.want(429, "myn_guess", "GET", "/lists", nil)
	e.clock.Advance(61 * time.Second)
	c.want(401, "myn_guess", "GET", "/lists", nil)
	c.want(200, good, "GET", "/lists", nil)
}

func itoa(n int) string { return jsonNum(n) }

func jsonNum(n int) string { b, _ := json.Marshal(n); return string(b) }
