package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// modCore is a fake domain for the console's moderation pages: one list
// "team" where only mod@example.org may act, one pending item #7.
type modCore struct {
	Core    // nil: anything else the handler calls panics
	mu      sync.Mutex
	decided []string
	added   []listserv.MemberSpec
	changes []changeCall // console_members_test.go
}

func (c *modCore) Domain() string { return "lists.example.org" }

// IsSiteAdmin: nobody is a site admin in these tests but the fake's own
// table (check) decides every right.
func (c *modCore) IsSiteAdmin(listserv.Actor) bool { return false }
func (c *modCore) SessionAddress(sid string) (string, bool) {
	return map[string]string{"s-mod": "mod@example.org", "s-mem": "mem@example.org"}[sid], sid == "s-mod" || sid == "s-mem"
}
func (c *modCore) check(a listserv.Actor, list string) error {
	if list != "team" {
		return listserv.ErrNotFound
	}
	if a.Address != "mod@example.org" {
		return listserv.ErrForbidden
	}
	return nil
}
func (c *modCore) Console(ctx context.Context, a listserv.Actor, list string) (listserv.ConsoleRights, error) {
	if err := c.check(a, list); err != nil {
		return listserv.ConsoleRights{}, err
	}
	return listserv.ConsoleRights{List: store.List{Name: list}, Role: listserv.ListModerator, SeeHeld: true, Sessions: true, Roster: true}, nil
}
func (c *modCore) HeldQueue(ctx context.Context, a listserv.Actor, list string) ([]listserv.HeldPreview, error) {
	if err := c.check(a, list); err != nil {
		return nil, err
	}
	return []listserv.HeldPreview{{Held: store.Held{ID: 7, List: "team", Kind: "post", From: "x@example.com", Subject: "Hi <b>",
		Reason: "x@example.com is not a member of the list", ReasonKey: "hold_go.nonmember", ReasonArgs: []string{"x@example.com"}},
		HTML: "<p>safe</p>"}}, nil
}
func (c *modCore) Decide(ctx context.Context, a listserv.Actor, list string, id uint64, action, reason string) (store.Held, error) {
	if err := c.check(a, list); err != nil {
		return store.Held{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if id != 7 {
		return store.Held{}, listserv.ErrNoHeld
	}
	h := store.Held{ID: 7, List: "team", From: "x@example.com", Subject: "Hi", Status: "approved", DecidedBy: "other@example.org"}
	if len(c.decided) > 0 {
		return h, fmt.Errorf("held #7 was approved by other@example.org: %w", listserv.ErrAlreadyDecided)
	}
	c.decided = append(c.decided, action+"|"+reason)
	h.Status = store.HeldStatus(action)
	return h, nil
}
func (c *modCore) RosterPageOf(ctx context.Context, a listserv.Actor, list string, f listserv.RosterFilter, page int) (listserv.RosterPage, error) {
	if err := c.check(a, list); err != nil {
		return listserv.RosterPage{}, err
	}
	return listserv.RosterPage{Rows: []listserv.RosterRow{{Address: "mem@example.org", Role: "member", Mode: "each", Status: "disabled", BounceError: "550 5.1.1 no such user"}},
		Matched: 1, Total: 1, Page: 1, Pages: 1, From: 1}, nil
}
func (c *modCore) AddMembers(ctx context.Context, a listserv.Actor, list string, specs []listserv.MemberSpec, update bool) ([]listserv.AddResult, error) {
	if err := c.check(a, list); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.added = append(c.added, specs...)
	c.mu.Unlock()
	res := make([]listserv.AddResult, len(specs))
	for i, s := range specs {
		res[i] = listserv.AddResult{Address: s.Address, Status: "ok"}
	}
	return res, nil
}

func modServer(t *testing.T) (*httptest.Server, *modCore) {
	core := &modCore{}
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(Handler(Options{Core: core, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}))
	t.Cleanup(srv.Close)
	return srv, core
}

func modDo(t *testing.T, srv *httptest.Server, method, path, sid string, form url.Values, site string) (int, string) {
	t.Helper()
	var body io.Reader
	ctype := ""
	if form != nil {
		body, ctype = strings.NewReader(form.Encode()), formType
	}
	code, _, page := roundTrip(t, method, srv.URL+path, body, sid, false, "Content-Type", ctype, "Sec-Fetch-Site", site)
	return code, page
}

func TestConsoleModHandlers(t *testing.T) {
	srv, core := modServer(t)
	for _, tc := range []struct {
		name, method, path, sid string
		form                    url.Values
		site                    string
		status                  int
		want                    string
	}{
		{"queue", "GET", "/lists/team/admin/held", "s-mod", nil, "", 200, "Hi &lt;b&gt;"},
		{"queue says why", "GET", "/lists/team/admin/held", "s-mod", nil, "", 200, "x@example.com is not a member of the list"},
		{"queue shows sanitised HTML as HTML", "GET", "/lists/team/admin/held", "s-mod", nil, "", 200, "<p>safe</p>"},
		{"not signed in: to sign-in", "GET", "/lists/team/admin/held", "", nil, "", 303, ""},
		{"not signed in POST", "POST", "/lists/team/admin/held/7", "", url.Values{"action": {"approve"}}, "same-origin", 401, "sign in"},
		{"member: 403", "GET", "/lists/team/admin/held", "s-mem", nil, "", 403, "permission"},
		{"unknown list: 404", "GET", "/lists/gone/admin/members", "s-mod", nil, "", 404, "Page not found"},
		{"bad list name: 404", "GET", "/lists/BAD!/admin/held", "s-mod", nil, "", 404, "Page not found"},
		{"bad id: 404", "POST", "/lists/team/admin/held/x7", "s-mod", url.Values{"action": {"approve"}}, "same-origin", 404, "Page not found"},
		{"unknown action: 400", "POST", "/lists/team/admin/held/7", "s-mod", url.Values{"action": {"publish"}}, "same-origin", 400, "not known here"},
		{"cross-site: 403", "POST", "/lists/team/admin/held/7", "s-mod", url.Values{"action": {"approve"}}, "cross-site", 403, "another web site"},
		{"reject with reason", "POST", "/lists/team/admin/held/7", "s-mod", url.Values{"action": {"reject"}, "reason": {"off topic"}}, "same-origin", 200, "reject"},
		{"second decision: who decided", "POST", "/lists/team/admin/held/7", "s-mod", url.Values{"action": {"approve"}}, "same-origin", 409, "already handled: approved by other@example.org"},
		{"bulk needs ticks", "POST", "/lists/team/admin/held", "s-mod", url.Values{"action": {"discard"}}, "same-origin", 400, "tick the items"},
		{"bulk unknown item", "POST", "/lists/team/admin/held", "s-mod", url.Values{"action": {"discard"}, "id": {"8"}}, "same-origin", 409, "no such held item"},
		{"roster shows the last error", "GET", "/lists/team/admin/members", "s-mod", nil, "", 200, "550 5.1.1 no such user"},
		{"roster bad filter", "GET", "/lists/team/admin/members?role=king", "s-mod", nil, "", 400, "role"},
		{"add pasted", "POST", "/lists/team/admin/members", "s-mod", url.Values{"email": {"a@example.org\nb@example.org"}, "mode": {"digest"}}, "same-origin", 200, "Added 2 people"},
		{"add nothing", "POST", "/lists/team/admin/members", "s-mod", url.Values{"email": {""}}, "same-origin", 400, "email address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := modDo(t, srv, tc.method, tc.path, tc.sid, tc.form, tc.site)
			if code != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("%d, want %d with %q\n%s", code, tc.status, tc.want, body)
			}
		})
	}
	if len(core.decided) != 1 || core.decided[0] != "reject|off topic" {
		t.Errorf("decisions %q", core.decided)
	}
	if len(core.added) != 2 || core.added[1].Mode != "digest" {
		t.Errorf("added %+v", core.added)
	}
}

func FuzzDecisionValues(f *testing.F) {
	f.Add("action=approve", false)
	f.Add("action=reject&reason=off+topic", false)
	f.Add("action=discard&id=1&id=2", true)
	f.Add("action=approve_always&id=0", true)
	f.Add("action=ban&id=18446744073709551616", true)
	f.Add("action=&reason=%00", false)
	f.Fuzz(func(t *testing.T, q string, bulk bool) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		d, err := decisionValues(v, bulk)
		if err != nil {
			return
		}
		if _, ok := heldAction[v.Get("action")]; !ok || d.Action == "" || len(d.Reason) > maxReason {
			t.Fatalf("accepted %q as %+v", q, d)
		}
		for _, id := range d.IDs {
			if id == 0 {
				t.Fatalf("id 0 accepted from %q", q)
			}
		}
		if bulk && len(d.IDs) == 0 {
			t.Fatalf("bulk without ids accepted: %q", q)
		}
	})
}

func FuzzRosterFilterValues(f *testing.F) {
	f.Add("q=ana&role=owner&mode=digest&status=ok&standing=good&page=2")
	f.Add("role=king")
	f.Add("page=-1")
	f.Add("page=99999999999999999999")
	f.Add("standing=maybe&q=%FF")
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		flt, page, err := rosterFilterValues(v)
		if err != nil {
			return
		}
		if page < 1 || flt.Validate() != nil {
			t.Fatalf("accepted %q as %+v page %d", q, flt, page)
		}
	})
}

func FuzzPastedAddresses(f *testing.F) {
	f.Add("a@example.org\nb@example.org")
	f.Add("Ana <ana@example.org>, bad; c@example.org\r\n")
	f.Add("<>\n<<a@b>>\n\"x\" <y@z.org")
	f.Fuzz(func(t *testing.T, s string) {
		addrs, bad := pastedAddresses(s)
		seen := map[string]bool{}
		for _, a := range addrs {
			if !listserv.ValidAddress(a) || seen[a] || a != listserv.NormalizeAddress(a) {
				t.Fatalf("pasted %q gave address %q", s, a)
			}
			seen[a] = true
		}
		if len(addrs)+len(bad) > len(s) {
			t.Fatalf("more pieces than bytes in %q", s)
		}
	})
}

func FuzzMemberActionValues(f *testing.F) {
	f.Add("email=a@example.org&action=set&role=owner")
	f.Add("email=a@example.org&action=standing&good=maybe")
	f.Add("email=a@example.org&action=reenable")
	f.Add("email=&action=remove")
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		m, err := memberActionValues(v)
		if err != nil {
			return
		}
		if !listserv.ValidAddress(m.Email) || (m.Role != "" && listserv.RoleRank(m.Role) < 0) {
			t.Fatalf("accepted %q as %+v", q, m)
		}
	})
}

// FuzzImportCSV: any upload yields rows with valid addresses and lines
// after the header, or bad rows with line numbers, or an error.
func FuzzImportCSV(f *testing.F) {
	f.Add([]byte("email,name,role,mode,good_standing\na@example.org,A,owner,digest,yes\n"))
	f.Add([]byte("Email\nnot-an-address\n\"unterminated\n"))
	f.Add([]byte("\ufeffname,e-mail\nA,a@example.org\nB,a@example.org\n"))
	f.Add([]byte("a@example.org\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rows, _ := listserv.ParseMemberCSV(in, func(line int, msg string) {
			if line < 1 || msg == "" {
				t.Errorf("bad row report %d %q", line, msg)
			}
		}, func(string) {})
		for _, r := range rows {
			if r.Line < 2 || !listserv.ValidAddress(r.Spec.Address) {
				t.Errorf("row %+v", r)
			}
		}
	})
}
