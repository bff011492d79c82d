package main

import (
	"net/url"
	"strings"
	"testing"
)

// TestCaucusSweep: every page and form of the web face, asked about a
// caucus by someone outside it (not signed in, or signed in as a member
// of another list), answers exactly as for a list that does not exist.
func TestCaucusSweep(t *testing.T) {
	t.Parallel()
	e := archiveWebEnv(t)
	anon := newWebClient(t, e)
	outsider := newWebClient(t, e)
	signIn(t, e, outsider, awOutsider, 0)
	gets := []string{
		"/lists/%s", "/lists/%s/archive", "/lists/%s/archive?page=2", "/lists/%s/archive/2026-11",
		"/lists/%s/m/1", "/lists/%s/m/1?images=1", "/lists/%s/m/1/raw", "/lists/%s/m/1/att/1",
		"/lists/%s/feed.atom", "/lists/%s/resources", "/resources?list=%s", "/search?q=zebra&list=%s",
		"/search?q=zebra+list:%s", "/lists/%s/admin", "/lists/%s/admin/settings", "/lists/%s/admin/templates",
		"/lists/%s/admin/templates/welcome", "/lists/%s/admin/sessions", "/lists/%s/admin/sessions/1",
		"/lists/%s/admin/sessions/1/registrations.csv", "/lists/%s/admin/pairs",
		"/admin/lists/%s/remove",
	}
	posts := []struct {
		path string
		form url.Values
	}{
		{"/lists/%s/join", url.Values{"email": {"zed@example.org"}}},
		{"/lists/%s/m/1/redact", url.Values{"reason": {"x"}}},
		{"/lists/%s/admin/settings", url.Values{"title": {"x"}}},
		{"/lists/%s/admin/templates/welcome", url.Values{"body": {"x"}, "action": {"save"}}},
		{"/lists/%s/admin/sessions", url.Values{"start": {"2027-01-01 10:00"}}},
		{"/lists/%s/admin/sessions/1", url.Values{"action": {"cancel"}}},
		{"/lists/%s/admin/pairs", url.Values{"action": {"make"}}},
		{"/admin/lists/%s/remove", url.Values{"confirm": {"%s"}}},
		{"/me/lists/%s", url.Values{"mode": {"digest"}}},
		{"/me/join", url.Values{"list": {"%s"}}},
		{"/me/rsvp", url.Values{"list": {"%s"}, "session": {"1"}, "answer": {"yes"}}},
	}
	norm := func(s, name string) string { return strings.ReplaceAll(s, name, "NAME") }
	fill := func(v url.Values, name string) url.Values {
		out := url.Values{}
		for k, vs := range v {
			for _, x := range vs {
				out.Add(k, strings.ReplaceAll(x, "%s", name))
			}
		}
		return out
	}
	for who, c := range map[string]*webClient{"anonymous": anon, "outsider": outsider} {
		for _, g := range gets {
			c1, b1 := c.get(strings.ReplaceAll(g, "%s", "nosuch"))
			c2, b2 := c.get(strings.ReplaceAll(g, "%s", "cau"))
			if c1 != c2 || norm(b1, "nosuch") != norm(b2, "cau") {
				t.Errorf("%s GET %s: caucus %d differs from a missing list %d:\n%s\n---\n%s", who, g, c2, c1, b2, b1)
			}
		}
		for _, p := range posts {
			c1, b1 := c.post(strings.ReplaceAll(p.path, "%s", "nosuch"), fill(p.form, "nosuch"))
			c2, b2 := c.post(strings.ReplaceAll(p.path, "%s", "cau"), fill(p.form, "cau"))
			if c1 != c2 || norm(b1, "nosuch") != norm(b2, "cau") {
				t.Errorf("%s POST %s: caucus %d differs from a missing list %d:\n%s\n---\n%s", who, p.path, c2, c1, b2, b1)
			}
		}
		for _, g := range []string{"/", "/search?q=zebra", "/resources", "/me", "/search"} {
			_, b := c.get(g)
			if strings.Contains(b, "cau") {
				t.Errorf("%s GET %s mentions the caucus:\n%s", who, g, b)
			}
		}
	}
}
