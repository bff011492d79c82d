package web

import (
	"net/url"
	"strings"
	"testing"

	"minyan/listserv"
)

func FuzzListName(f *testing.F) {
	for _, s := range []string{"team", "", "Team", "a/b", "../x", strings.Repeat("a", 65), "circle.sub-1_x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := listName(s)
		if ok && (n != s || strings.ContainsAny(n, "/%?#") || len(n) > 64 || n == "") {
			t.Fatalf("listName(%q) = %q", s, n)
		}
	})
}

func FuzzToken(f *testing.F) {
	for _, s := range []string{"abcdefghijklmnopqrstuvwxyz234567", "short", "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "abc/def..ghijklmnopq"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tok, ok := token(s)
		if ok && (tok != strings.ToLower(s) || len(tok) < 16 || strings.ContainsAny(tok, "/.%")) {
			t.Fatalf("token(%q) = %q", s, tok)
		}
	})
}

func FuzzZone(f *testing.F) {
	for _, s := range []string{"Europe/Berlin", "", "Local", "../../etc/passwd", "UTC", "America/New_York "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, loc := parseZone(s)
		if (loc == nil) != (name == "") {
			t.Fatalf("parseZone(%q) = %q, %v", s, name, loc)
		}
	})
}

func FuzzJoinForm(f *testing.F) {
	for _, s := range []string{"email=a%40example.org&name=Ana", "email=", "email=a+b%40x", "name=x", "email=%3Cbad%3E", "email=A%40Example.ORG"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		jf, err := joinValues(v)
		if err == nil && (!listserv.ValidAddress(jf.Email) || len(jf.Name) > 200 || strings.ContainsAny(jf.Name, "\r\n")) {
			t.Fatalf("joinValues(%q) = %+v", body, jf)
		}
	})
}

func FuzzMemberForm(f *testing.F) {
	for _, s := range []string{"mode=digest", "mode=each", "action=leave", "action=delete", "mode=all", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		mf, err := memberValues(v)
		if err == nil && !mf.Leave && mf.Mode != "each" && mf.Mode != "digest" && mf.Mode != "nomail" {
			t.Fatalf("memberValues(%q) = %+v", body, mf)
		}
	})
}

func FuzzRSVPForm(f *testing.F) {
	for _, s := range []string{"list=team&session=3&answer=yes", "list=team&session=0&answer=no", "list=T&session=1&answer=maybe", "session=-1", "list=team&session=18446744073709551616&answer=yes",
		"list=team&session=4&answer=yes&q1=vegetarian&q2=step-free+access", "list=team&session=4&answer=yes&q1=%00%0A&q3=x&q4=ignored"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		rf, err := rsvpValues(v)
		if err == nil && (rf.Session == 0 || (rf.Answer != "yes" && rf.Answer != "no" && rf.Answer != "maybe")) {
			t.Fatalf("rsvpValues(%q) = %+v", body, rf)
		}
		if err == nil && (len(rf.Answers) != maxFormAnswers || len(rf.Answers[0]) > maxFormAnswer) {
			t.Fatalf("rsvpValues(%q) answers %q", body, rf.Answers)
		}
		if err == nil {
			if _, ok := listName(rf.List); !ok {
				t.Fatalf("rsvpValues(%q) list %q", body, rf.List)
			}
		}
	})
}
