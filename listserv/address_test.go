package listserv

import (
	"context"
	"strings"
	"testing"
	"unicode"
)

func TestParseListAddress(t *testing.T) {
	const d = "lists.example.org"
	cases := []struct {
		in   string
		want ListAddress
		ok   bool
	}{
		{"team@lists.example.org", ListAddress{List: "team", Role: RolePost}, true},
		{"<Team@Lists.Example.ORG>", ListAddress{List: "team", Role: RolePost}, true},
		{"team-request@lists.example.org", ListAddress{List: "team", Role: RoleRequest}, true},
		{"team-join@lists.example.org", ListAddress{List: "team", Role: RoleJoin}, true},
		{"team-leave@lists.example.org", ListAddress{List: "team", Role: RoleLeave}, true},
		{"team-owner@lists.example.org", ListAddress{List: "team", Role: RoleOwner}, true},
		{"team-bounces@lists.example.org", ListAddress{List: "team", Role: RoleBounces}, true},
		{"team-bounces+abc@lists.example.org", ListAddress{List: "team", Role: RoleBounces, Token: "abc"}, true},
		{"team-confirm+TOK@lists.example.org", ListAddress{List: "team", Role: RoleConfirm, Token: "tok"}, true},
		{"a.b_c-d@lists.example.org", ListAddress{List: "a.b_c-d", Role: RolePost}, true},
		{"team-act+TOK@lists.example.org", ListAddress{List: "team", Role: RoleAct, Token: "tok"}, true},
		{"team-act@lists.example.org", ListAddress{}, false},      // an alert reply needs a token
		{"team-confirm@lists.example.org", ListAddress{}, false},  // confirm needs a token
		{"team+x@lists.example.org", ListAddress{}, false},        // only confirm/bounces carry tokens
		{"team-bounces+@lists.example.org", ListAddress{}, false}, // empty token
		{"team@example.org", ListAddress{}, false},                // other domain: never relay
		{"team@lists.example.org.evil.com", ListAddress{}, false}, // suffix trick
		{"-request@lists.example.org", ListAddress{}, false},      // no list name
		{"@lists.example.org", ListAddress{}, false},
		{"", ListAddress{}, false},
		{"Team Space@lists.example.org", ListAddress{}, false},
		{"team@lists.example.org@lists.example.org", ListAddress{}, false},
		{strings.Repeat("a", 65) + "@lists.example.org", ListAddress{}, false},
		// White space and brackets in any order at either end (the fuzz
		// target's first find).
		{"0@lists.eXAmple.org\n>", ListAddress{List: "0", Role: RolePost}, true},
		{"< team@lists.example.org >\r\n", ListAddress{List: "team", Role: RolePost}, true},
		{"postmaster@lists.example.org", ListAddress{}, false}, // not a list
		{"team@liſts.example.org", ListAddress{}, false},       // long s folds to s in Unicode only
	}
	for _, c := range cases {
		got, ok := ParseListAddress(c.in, d)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("ParseListAddress(%q) = %+v, %v; want %+v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestValidListName(t *testing.T) {
	for _, good := range []string{"team", "a", "x1", "caucus.bipoc", "2026-cohort", strings.Repeat("a", 64)} {
		if err := ValidListName(good); err != nil {
			t.Errorf("ValidListName(%q) = %v, want ok", good, err)
		}
	}
	for _, bad := range []string{"", "inbox", "Team", "-x", ".x", "a b", "team-request", "x-bounces", "x-confirm", "x-owner", "x-join", "x-leave", "x-act", "é", strings.Repeat("a", 65)} {
		if ValidListName(bad) == nil {
			t.Errorf("ValidListName(%q) = ok, want error", bad)
		}
	}
}

// FuzzParseListAddress checks that whatever a sender puts in RCPT TO, the
// parser never panics, never accepts another domain, and what it accepts
// renders back to an address that parses to the same thing.
func FuzzParseListAddress(f *testing.F) {
	for _, s := range []string{"team@lists.example.org", "team-confirm+abc@lists.example.org", "x-bounces+t@LISTS.example.org",
		"<a@lists.example.org>", "a@b@lists.example.org", "team-request-request@lists.example.org", "\x00@lists.example.org", "+@lists.example.org",
		"0@lists.eXAmple.org\n>", " <team@lists.example.org\t> ", "postmaster@lists.example.org", "team-act+abc@lists.example.org", "team-act-act+x@lists.example.org",
		"team-harvest+abc@lists.example.org", "team-s12@lists.example.org", "team-s0@lists.example.org", "team-s12+x@lists.example.org"} {
		f.Add(s)
	}
	const d = "lists.example.org"
	f.Fuzz(func(t *testing.T, in string) {
		la, ok := ParseListAddress(in, d)
		if !ok {
			return
		}
		if ValidListName(la.List) != nil {
			t.Fatalf("accepted invalid list name %q from %q", la.List, in)
		}
		// The oracle trims its own way: every white space and angle
		// bracket at the end, whatever their order.
		if !strings.HasSuffix(strings.ToLower(strings.TrimRightFunc(in, func(r rune) bool {
			return r == '<' || r == '>' || unicode.IsSpace(r)
		})), "@"+d) {
			t.Fatalf("accepted %q which is not at %s", in, d)
		}
		back, ok := ParseListAddress(la.Address(d), d)
		if !ok || back != la {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v, %v", in, la, la.Address(d), back, ok)
		}
	})
}

func TestValidAddress(t *testing.T) {
	for _, good := range []string{"a@example.org", "first.last+tag@sub.example.co.uk", "rivka@example.org"} {
		if !ValidAddress(good) {
			t.Errorf("%q refused", good)
		}
	}
	for _, bad := range []string{"", "a", "a@b", "a b@example.org", "yes\u00a0please@evil.example", "a\u200b@example.org", "a\x00@example.org", "<a@example.org>", "a@example.org\n"} {
		if ValidAddress(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestAddMemberWithDisplayNameExplains(t *testing.T) {
	s, _ := newTestService(t)
	s.CreateList(context.Background(), Operator(DoorCLI), "team", "discussion", "", "")
	res, err := s.AddMembers(context.Background(), Operator(DoorCLI), "team", []MemberSpec{{Address: "Sam <sam2@example.net>"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), `--name "Sam" sam2@example.net`) {
		t.Fatalf("error: %v", res[0].Err)
	}
}

func TestIsPostmasterAddress(t *testing.T) {
	const d = "lists.example.org"
	for _, yes := range []string{"postmaster@lists.example.org", "PostMaster@Lists.Example.ORG", "<abuse@lists.example.org>",
		"ABUSE@lists.example.org", "postmaster", "<Postmaster>"} {
		if !IsPostmasterAddress(yes, d) {
			t.Errorf("%q not recognised", yes)
		}
	}
	for _, no := range []string{"postmaster@example.org", "postmaster@lists.example.org.evil.com", "abuse", "postmaster-request@lists.example.org",
		"team@lists.example.org", "post master@lists.example.org", "@lists.example.org", ""} {
		if IsPostmasterAddress(no, d) {
			t.Errorf("%q recognised", no)
		}
	}
	for _, name := range []string{"postmaster", "abuse"} {
		if ValidListName(name) == nil {
			t.Errorf("list name %q allowed", name)
		}
	}
}

// FuzzIsPostmasterAddress: only postmaster and abuse at the list domain
// (or a bare postmaster) are recognised, and never a list address.
func FuzzIsPostmasterAddress(f *testing.F) {
	for _, s := range []string{"postmaster@lists.example.org", "<ABUSE@lists.example.org>", "postmaster", "postmaster@evil.example", "post\nmaster@lists.example.org"} {
		f.Add(s)
	}
	const d = "lists.example.org"
	f.Fuzz(func(t *testing.T, in string) {
		if !IsPostmasterAddress(in, d) {
			return
		}
		if _, ok := ParseListAddress(in, d); ok {
			t.Fatalf("%q is both a postmaster and a list address", in)
		}
		a := NormalizeAddress(in)
		if a != "postmaster" && a != "postmaster@"+d && a != "abuse@"+d {
			t.Fatalf("recognised %q (%q)", in, a)
		}
	})
}

// TestSessionAndHarvestAddresses: NAME-sID@ and NAME-harvest+TOKEN@
// parse to their roles and back; their suffixes are reserved.
func TestSessionAndHarvestAddresses(t *testing.T) {
	const d = "lists.example.org"
	for in, want := range map[string]ListAddress{
		"circle-s12@lists.example.org":         {List: "circle", Role: RoleSession, Session: 12},
		"my-circle-s3@LISTS.example.org":       {List: "my-circle", Role: RoleSession, Session: 3},
		"circle-harvest+abc@lists.example.org": {List: "circle", Role: RoleHarvest, Token: "abc"},
		"circle-s1-request@lists.example.org":  {List: "circle-s1", Role: RoleRequest},
	} {
		got, ok := ParseListAddress(in, d)
		if in == "circle-s1-request@lists.example.org" {
			// A list cannot be named circle-s1, so its -request is no address.
			if ok {
				t.Errorf("%s parsed as %+v", in, got)
			}
			continue
		}
		if !ok || got != want || got.Address(d) != strings.ToLower(strings.Replace(in, "LISTS", "lists", 1)) {
			t.Errorf("%s: %+v %v (back %s)", in, got, ok, got.Address(d))
		}
	}
	for _, in := range []string{"circle-harvest@lists.example.org", "circle-s0@lists.example.org", "circle-s12+tok@lists.example.org"} {
		if la, ok := ParseListAddress(in, d); ok && (la.Role == RoleHarvest || la.Role == RoleSession) {
			t.Errorf("%s parsed as %+v", in, la)
		}
	}
	for _, name := range []string{"circle-harvest", "circle-s7"} {
		if ValidListName(name) == nil {
			t.Errorf("list name %q accepted", name)
		}
	}
}
