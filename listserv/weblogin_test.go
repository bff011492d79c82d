package listserv

import (
	"net/url"
	"strings"
	"testing"

	"minyan/store"
)

// A site admin named only in the configuration is on no list yet and has
// no person record; the sign-in link must still reach them, while an
// unknown address gets nothing (and the same answer).
func TestSignInReachesConfiguredAdmins(t *testing.T) {
	s, st := newServiceWith(t, func(o *Options) { o.Postmasters = []string{"Admin@Example.org"} })
	for _, addr := range []string{"admin@example.org", "stranger@example.org"} {
		if err := s.StartLogin(addr, ""); err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
	}
	to := map[string]int{}
	if err := st.View(func(tx *store.Tx) error {
		return tx.EachQueued(func(m store.QueuedMessage, r store.QueuedRcpt) error {
			to[r.Address]++
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if to["admin@example.org"] != 1 || to["stranger@example.org"] != 0 {
		t.Fatalf("sign-in mail went to %v", to)
	}
}

// TestSignInLandsOnNext: the page asked for before signing in is kept
// with the link and returned once it is used; a way back off this site
// is dropped.
func TestSignInLandsOnNext(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("talk", "discussion", map[string]string{"ann@example.org": "member"})
	for _, c := range []struct{ next, want string }{
		{"/lists/talk/m/3", "/lists/talk/m/3"},
		{"/lists/talk/archive?page=2", "/lists/talk/archive?page=2"},
		{"//evil.example/x", ""},
		{"https://evil.example/", ""},
		{"/\\evil.example", ""},
		{"/%2F%2Fevil.example", ""},
		{"/login/abc", ""},
		{"lists/talk", ""},
	} {
		if err := e.svc.StartLogin("ann@example.org", c.next); err != nil {
			t.Fatal(err)
		}
		mails := e.mailsTo("ann@example.org")
		body := mails[len(mails)-1].body
		i := strings.Index(body, "/login/")
		if i < 0 {
			t.Fatalf("no sign-in link in:\n%s", body)
		}
		tok := strings.Fields(body[i+len("/login/"):])[0]
		_, addr, next, err := e.svc.FinishLogin(strings.Trim(tok, "<>."), false)
		if err != nil || addr != "ann@example.org" || next != c.want {
			t.Errorf("next %q: landed on %q (%v), want %q", c.next, next, err, c.want)
		}
	}
}

// FuzzSafeNext: whatever is asked for, the way back is "" or one path
// on this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/lists/a/m/1", "//x", "/\\x", "/%2F%2Fx", "http://x/", "/a?b=//c", "/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := SafeNext(next)
		if got == "" {
			return
		}
		u, err := url.Parse(got)
		if got != next || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n") ||
			err != nil || u.Host != "" || u.Scheme != "" || strings.HasPrefix(u.Path, "//") {
			t.Errorf("SafeNext(%q) = %q", next, got)
		}
	})
}
