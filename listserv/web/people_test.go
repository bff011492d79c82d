package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"minyan/listserv"
	"minyan/store"
)

func TestProfileValues(t *testing.T) {
	v, _ := url.ParseQuery("name=Ann&pronouns=she&region=Ohio&roles=&roles=organizer&roles=other&about=a&offers=b&listed=false&listed=true&intros=false&lang=he")
	c, err := profileValues(v)
	if err != nil || *c.Name != "Ann" || *c.Region != "Ohio" || !*c.Listed || *c.Intros || *c.Lang != listserv.LangHebrew ||
		fmt.Sprint(*c.Roles) != "[organizer other]" || c.SkipNextIntro != nil {
		t.Fatalf("%+v %v", c, err)
	}
	// Roles hidden field alone: no roles. Absent fields stay.
	v, _ = url.ParseQuery("roles=&listed=false")
	c, err = profileValues(v)
	if err != nil || len(*c.Roles) != 0 || *c.Listed || c.Intros != nil || c.About != nil || c.Name != nil {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{"roles=astronaut", "lang=fr", "listed=maybe"} {
		v, _ := url.ParseQuery(bad)
		if _, err := profileValues(v); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestPeopleQuery(t *testing.T) {
	v, _ := url.ParseQuery("q=+tisha+b%27av+&region=Ohio&role=spiritual+leader&page=3")
	q, err := peopleQuery(v)
	if err != nil || q.Q != "tisha b'av" || q.Region != "Ohio" || q.Role != store.RoleSpiritualLeader || q.Page != 3 {
		t.Fatalf("%+v %v", q, err)
	}
	for _, bad := range []string{"role=king", "page=0", "page=x", "page=-1"} {
		v, _ := url.ParseQuery(bad)
		if _, err := peopleQuery(v); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// FuzzProfileForm: the profile form parser never panics, and what it
// accepts is within the documented values.
func FuzzProfileForm(f *testing.F) {
	f.Add("name=Ann&roles=&roles=organizer&listed=false&listed=true&lang=es")
	f.Add("roles=political%20educator,%20Other&intros=yes&skip_next_intro=0")
	f.Add("about=%ff%fe&lang=&listed=")
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		c, err := profileValues(v)
		if err != nil {
			return
		}
		if c.Lang != nil {
			if _, err := listserv.ParseLang(string(*c.Lang)); err != nil {
				t.Fatalf("lang %q", *c.Lang)
			}
		}
		if c.Roles != nil {
			for _, r := range *c.Roles {
				if _, err := listserv.ParseProfileRole(string(r)); err != nil {
					t.Fatalf("role %q", r)
				}
			}
		}
		if (c.Listed != nil) != v.Has("listed") {
			t.Fatalf("listed %v from %q", c.Listed, body)
		}
	})
}

// FuzzPeopleQuery: the directory's query parser never panics, keeps
// within its bounds and never gives invalid text.
func FuzzPeopleQuery(f *testing.F) {
	f.Add("q=organizer+ohio&region=Ohio&role=organizer&page=2")
	f.Add("q=%e2%82&role=&page=")
	f.Add("q=" + strings.Repeat("%d7%90", 150))
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := peopleQuery(v)
		if err != nil {
			return
		}
		if len(q.Q) > 200 || len(q.Region) > 80 || q.Page < 1 {
			t.Fatalf("%+v", q)
		}
		if utf8.ValidString(v.Get("q")) && !utf8.ValidString(q.Q) {
			t.Fatalf("cut inside a character: %q", q.Q)
		}
	})
}

// fakePeople is a PeopleCore answering from fields and recording calls.
type fakePeople struct {
	fakeCore
	mu      sync.Mutex
	change  listserv.ProfileChange
	query   listserv.PeopleQuery
	sendErr error
	closed  bool
}

func (c *fakePeople) SessionAddress(sid string) (string, bool) {
	return "ann@example.org", sid == "sid-of-ann-0000000"
}
func (c *fakePeople) IsSiteAdmin(listserv.Actor) bool { return false }
func (c *fakePeople) Profile(ctx context.Context, a listserv.Actor, addr string) (listserv.ProfileView, error) {
	return listserv.ProfileView{Profile: store.Profile{Address: addr, ID: "abcdefghijklmnopqrst"}, Name: "Ann"}, nil
}
func (c *fakePeople) SetProfile(ctx context.Context, a listserv.Actor, addr string, ch listserv.ProfileChange) (listserv.ProfileView, error) {
	c.mu.Lock()
	c.change = ch
	c.mu.Unlock()
	pv, _ := c.Profile(ctx, a, addr)
	if ch.Listed != nil {
		pv.Listed = *ch.Listed
	}
	return pv, nil
}
func (c *fakePeople) MayUseDirectory(listserv.Actor) bool { return !c.closed }
func (c *fakePeople) People(ctx context.Context, a listserv.Actor, q listserv.PeopleQuery) (listserv.PeopleResult, error) {
	c.mu.Lock()
	c.query = q
	c.mu.Unlock()
	if c.closed {
		return listserv.PeopleResult{}, listserv.ErrDirectoryClosed
	}
	return listserv.PeopleResult{People: []listserv.PersonCard{{ID: "bobbobbobbobbobbobbo", Name: "Bob <b>", Region: "Oregon"}}, Total: 1, Page: 1, Pages: 1}, nil
}
func (c *fakePeople) PersonProfile(ctx context.Context, a listserv.Actor, id string) (listserv.PersonView, error) {
	if id != "bobbobbobbobbobbobbo" {
		return listserv.PersonView{}, listserv.ErrNotFound
	}
	return listserv.PersonView{PersonCard: listserv.PersonCard{ID: id, Name: "Bob"}, Shared: []listserv.SharedList{{Name: "north", Title: "North"}}}, nil
}
func (c *fakePeople) MessagePerson(ctx context.Context, a listserv.Actor, id, body string) (listserv.PersonCard, error) {
	if c.sendErr != nil {
		return listserv.PersonCard{}, c.sendErr
	}
	return listserv.PersonCard{ID: id, Name: "Bob"}, nil
}
func (c *fakePeople) NotNowInfo(token string) (string, bool) {
	return "Ann", token == "notnownotnownotnow"
}
func (c *fakePeople) NotNow(ctx context.Context, token string) error {
	if token != "notnownotnownotnow" {
		return listserv.ErrBadIntroLink
	}
	return nil
}

func peopleServer(t *testing.T) (*httptest.Server, *fakePeople) {
	core := &fakePeople{}
	srv := httptest.NewServer(Handler(Options{Core: core, People: core, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	return srv, core
}

func call(t *testing.T, srv *httptest.Server, method, path, form string, signedIn bool, hdr ...string) (int, string) {
	t.Helper()
	sid, ctype := "", ""
	if signedIn {
		sid = "sid-of-ann-0000000"
	}
	if form != "" {
		ctype = formType
	}
	code, _, page := roundTrip(t, method, srv.URL+path, strings.NewReader(form), sid, false, append([]string{"Content-Type", ctype}, hdr...)...)
	return code, page
}

// TestPeoplePages: the adapter passes forms and queries through, answers
// the domain's refusals with their pages, and needs a sign-in.
func TestPeoplePages(t *testing.T) {
	srv, core := peopleServer(t)
	if code, _ := call(t, srv, "GET", "/me/profile", "", false); code != http.StatusSeeOther {
		t.Errorf("unsigned /me/profile: %d", code)
	}
	if code, _ := call(t, srv, "GET", "/people", "", false); code != http.StatusSeeOther {
		t.Errorf("unsigned /people: %d", code)
	}
	code, body := call(t, srv, "GET", "/me/profile", "", true)
	if code != 200 || !strings.Contains(body, `name="listed" value="true"`) || strings.Contains(body, `id="pf-listed" name="listed" value="true" checked`) {
		t.Errorf("profile form: %d %s", code, body)
	}
	code, body = call(t, srv, "POST", "/me/profile", "name=Ann&roles=&roles=organizer&listed=false&listed=true&intros=false", true)
	if code != 200 || core.change.Listed == nil || !*core.change.Listed || !strings.Contains(body, "Your profile is in the people directory") {
		t.Errorf("save: %d %+v", code, core.change)
	}
	code, body = call(t, srv, "POST", "/me/profile", "roles=king", true)
	if code != 400 || !strings.Contains(body, "Role &#34;king&#34;") {
		t.Errorf("bad role: %d %s", code, body)
	}
	if code, _ := call(t, srv, "POST", "/me/profile", "listed=true", true, "Sec-Fetch-Site", "cross-site"); code != http.StatusForbidden {
		t.Errorf("cross-site profile post: %d", code)
	}
	code, body = call(t, srv, "GET", "/people?q=ohio&role=organizer", "", true)
	if code != 200 || core.query.Q != "ohio" || core.query.Role != store.RoleOrganizer || !strings.Contains(body, "Bob &lt;b&gt;") {
		t.Errorf("directory: %d %+v", code, core.query)
	}
	if code, body = call(t, srv, "GET", "/people/bobbobbobbobbobbobbo", "", true); code != 200 || !strings.Contains(body, `action="/people/bobbobbobbobbobbobbo/message"`) {
		t.Errorf("person page: %d %s", code, body)
	}
	if code, _ = call(t, srv, "GET", "/people/nobodynobodynobody", "", true); code != 404 {
		t.Errorf("unknown person: %d", code)
	}
	if code, body = call(t, srv, "POST", "/people/bobbobbobbobbobbobbo/message", "body=hello", true); code != 200 || !strings.Contains(body, "Message sent") {
		t.Errorf("message: %d %s", code, body)
	}
	core.sendErr = fmt.Errorf("message: %w", &listserv.RelayLimitError{ToOne: true})
	if code, body = call(t, srv, "POST", "/people/bobbobbobbobbobbobbo/message", "body=hello", true); code != 429 || !strings.Contains(body, "Not sent") {
		t.Errorf("over the limit: %d %s", code, body)
	}
	core.sendErr = fmt.Errorf("message: %w", &listserv.ProfileError{Reason: "the message is empty: write something first"})
	if code, body = call(t, srv, "POST", "/people/bobbobbobbobbobbobbo/message", "body=", true); code != 400 || !strings.Contains(body, "The message is empty") {
		t.Errorf("empty message: %d %s", code, body)
	}
	core.closed = true
	if code, body = call(t, srv, "GET", "/people", "", true); code != 403 || !strings.Contains(body, "members of the network") {
		t.Errorf("closed directory: %d %s", code, body)
	}
	if code, body = call(t, srv, "GET", "/intros/not-now/notnownotnownotnow", "", false); code != 200 || !strings.Contains(body, "Not now") {
		t.Errorf("not-now page: %d", code)
	}
	if code, _ = call(t, srv, "POST", "/intros/not-now/notnownotnownotnow", "", false); code != 200 {
		t.Errorf("not-now: %d", code)
	}
	if code, _ = call(t, srv, "POST", "/intros/not-now/wrongwrongwrongwrong", "", false); code != 404 {
		t.Errorf("bad not-now: %d", code)
	}
}
