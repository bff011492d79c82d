package web

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	"minyan/listserv"
)

// changeCall is one ChangeMembers call the fake saw.
type changeCall struct {
	addrs []string
	ch    listserv.MemberChange
}

// ChangeMembers of the fake: own@example.org is an owner the
// moderator may not touch; everyone else changes. The calls are kept.
func (c *modCore) ChangeMembers(ctx context.Context, a listserv.Actor, list string, addrs []string, ch listserv.MemberChange) (listserv.ChangeResult, error) {
	if err := c.check(a, list); err != nil {
		return listserv.ChangeResult{}, err
	}
	c.mu.Lock()
	c.changes = append(c.changes, changeCall{addrs, ch})
	c.mu.Unlock()
	var res listserv.ChangeResult
	for _, addr := range addrs {
		o := listserv.MemberOutcome{Address: addr, Changed: true}
		if addr == "own@example.org" {
			o = listserv.MemberOutcome{Address: addr, Refused: listserv.RefusedHolder, Err: listserv.ErrForbidden}
			res.Refused++
		} else {
			res.Changed++
		}
		res.Outcomes = append(res.Outcomes, o)
	}
	return res, nil
}

// TestRosterPageHandlers: the roster's table, its orders and its bulk
// form, against the fake domain: what is sent to ChangeMembers, and
// what the page says of the result.
func TestRosterPageHandlers(t *testing.T) {
	srv, core := modServer(t)
	for _, tc := range []struct {
		name, method, path string
		form               url.Values
		site               string
		status             int
		want               []string
	}{
		{"table, by name", "GET", "/lists/team/admin/members", nil, "", 200,
			[]string{`<th scope="col" aria-sort="ascending"><a href="/lists/team/admin/members?order=desc">Name ▲</a>`, `name="email" value="mem@example.org"`, "1–1 of 1", `action="/lists/team/admin/members/bulk"`}},
		{"by joined, newest first", "GET", "/lists/team/admin/members?sort=joined&order=desc&q=mem", nil, "", 200,
			[]string{`aria-sort="descending"><a href="/lists/team/admin/members?q=mem&amp;sort=joined">Joined ▼`, `<input type="hidden" name="sort" value="joined">`}},
		{"unknown order", "GET", "/lists/team/admin/members?sort=height", nil, "", 400, []string{"sort"}},
		{"bulk", "POST", "/lists/team/admin/members/bulk", url.Values{"action": {"mode-digest"}, "email": {"a@example.org", "own@example.org"}, "sort": {"joined"}}, "same-origin", 200,
			[]string{"Changed 1 person.", "1 person was not changed", "own@example.org holds a role that only the owners may change.", `aria-sort="ascending"><a href="/lists/team/admin/members?order=desc&amp;sort=joined">Joined`}},
		{"bulk without a choice", "POST", "/lists/team/admin/members/bulk", url.Values{"email": {"a@example.org"}}, "same-origin", 400, []string{"Please choose what to do"}},
		{"bulk without anyone", "POST", "/lists/team/admin/members/bulk", url.Values{"action": {"remove"}}, "same-origin", 400, []string{"Please tick the people"}},
		{"bulk from another site", "POST", "/lists/team/admin/members/bulk", url.Values{"action": {"remove"}, "email": {"a@example.org"}}, "cross-site", 403, []string{"another web site"}},
		{"one person: refused", "POST", "/lists/team/admin/member", url.Values{"action": {"set"}, "email": {"own@example.org"}, "mode": {"digest"}}, "same-origin", 403, []string{"only the owners may change"}},
		{"one person: saved", "POST", "/lists/team/admin/member", url.Values{"action": {"remove"}, "email": {"b@example.org"}}, "same-origin", 200, []string{"b@example.org is no longer on the list."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := modDo(t, srv, tc.method, tc.path, "s-mod", tc.form, tc.site)
			if code != tc.status {
				t.Fatalf("%d, want %d\n%s", code, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("no %q in\n%s", w, body)
				}
			}
		})
	}
	want := []string{"a@example.org own@example.org set  digest", "own@example.org set  digest", "b@example.org remove  "}
	if len(core.changes) != len(want) {
		t.Fatalf("calls %+v", core.changes)
	}
	for i, c := range core.changes {
		if got := strings.Join(c.addrs, " ") + " " + string(c.ch.Action) + " " + string(c.ch.Role) + " " + string(c.ch.Mode); got != want[i] {
			t.Errorf("call %d: %q, want %q", i, got, want[i])
		}
	}
}

func FuzzBulkValues(f *testing.F) {
	f.Add("action=mode-digest&email=a@example.org&email=b@example.org")
	f.Add("action=remove")
	f.Add("action=role-king&email=a@example.org")
	f.Add("action=standing-good&email=%3Ca@b%3E&email=")
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		b, err := bulkValues(v)
		if err != nil {
			return
		}
		if b.Change.Validate() != nil || len(b.Emails) == 0 || len(b.Emails) > listserv.MaxChangeMembers {
			t.Fatalf("accepted %q as %+v", q, b)
		}
		for _, e := range b.Emails {
			if !listserv.ValidAddress(e) {
				t.Fatalf("accepted address %q from %q", e, q)
			}
		}
	})
}

func FuzzRosterViewValues(f *testing.F) {
	f.Add("sort=joined&order=desc&q=ana&page=3")
	f.Add("sort=height")
	f.Add("order=sideways")
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		flt, page, err := rosterViewValues(v)
		if err != nil {
			return
		}
		if page < 1 || flt.Validate() != nil {
			t.Fatalf("accepted %q as %+v page %d", q, flt, page)
		}
		// The links the page makes read back as the same view.
		back, _ := url.ParseQuery(strings.TrimPrefix(rosterQuery(flt, page), "?"))
		g, p2, err := rosterViewValues(back)
		if flt.Sort == listserv.SortName {
			flt.Sort = ""
		}
		if err != nil || g != flt || p2 != page {
			t.Fatalf("%q: %+v page %d came back as %+v page %d (%v)", q, flt, page, g, p2, err)
		}
	})
}

// TestBulkChoicesFor: good standing is offered to site admins only.
func TestBulkChoicesFor(t *testing.T) {
	has := func(cs []bulkChoice) bool {
		return slices.ContainsFunc(cs, func(b bulkChoice) bool { return b.Value == "standing-good" })
	}
	if has(bulkChoicesFor(Viewer{Address: "mod@example.org"})) || !has(bulkChoicesFor(Viewer{Address: "boss@example.org", SiteAdmin: true})) {
		t.Error("good standing offered to the wrong people")
	}
	if len(bulkChoices) != 10 {
		t.Error("bulkChoicesFor changed the shared choices")
	}
}
