package main

import (
	"strings"
	"testing"
)

// The pages lead the people who run a list to its console, and only them:
// a facilitator or owner sees "Manage this list" on the list page and on
// /me; a member does not.
func TestWebManageLinks(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{"ana@example.org": "member", "fay@example.org": "facilitator"})
	const manage = `href="/lists/team/admin"`
	for _, c := range []struct {
		who  string
		want bool
	}{{"ana@example.org", false}, {"fay@example.org", true}} {
		w := newWebClient(t, e)
		signIn(t, e, w, c.who, 0)
		for _, path := range []string{"/me", "/lists/team"} {
			code, body := w.get(path)
			if code != 200 || strings.Contains(body, manage) != c.want {
				t.Errorf("%s on %s: %d, console link shown = %v, want %v", c.who, path, code, strings.Contains(body, manage), c.want)
			}
			if strings.Contains(body, `href="/admin"`) {
				t.Errorf("%s on %s: a site admin link for someone who is not one", c.who, path)
			}
		}
	}
}
