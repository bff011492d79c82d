package listserv

import (
	"context"
	"strings"
	"testing"

	"minyan/listserv/auth"
	"minyan/listserv/dmarc"
	"minyan/listserv/rewrite"
	"minyan/listserv/testkit"
	"minyan/store"
)

func mustParse(t *testing.T, raw string) *rewrite.Message {
	t.Helper()
	m, err := rewrite.Parse([]byte(raw), rewrite.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const spoofPost = "From: Dana <dana@example.net>\r\nTo: team@lists.example.org\r\nSubject: urgent\r\nMessage-ID: <s1@example.net>\r\nDate: Mon, 02 Nov 2026 10:00:00 -0500\r\n\r\nPlease wire money.\r\n"

// TestSpoofedMemberHeld: a post with a member's From, sent from a host
// the member's domain does not allow (SPF -all fails, no DKIM), is held
// on members-only, caucus and announce lists, and not on open ones.
func TestSpoofedMemberHeld(t *testing.T) {
	e := newBounceEnv(t, map[string][]string{"example.net": {"v=spf1 ip4:192.0.2.0/24 -all"}})
	env := Envelope{From: "dana@example.net", Rcpts: []string{"team@lists.example.org"}, RemoteAddr: "127.0.0.1:40000", Helo: "evil.example"}
	m := mustParse(t, spoofPost)
	v := e.svc.checkSender(context.Background(), env, m)
	res := v.Result
	if !v.Forged() || res.SPF != "fail" || res.DKIM != "none" {
		t.Fatalf("spoof verdict: %+v", res)
	}
	for _, c := range []struct {
		kind, posting string
		claims        bool
		hold          bool
	}{
		{"discussion", "members", true, true},
		{"community", "members", true, true},
		{"caucus", "members", true, true},
		{"caucus", "open", true, true},
		{"announce", "announce", true, true},
		{"discussion", "open", true, false},
		{"discussion", "moderated", true, false},
		{"discussion", "members", false, false}, // a non-member: the usual policy
	} {
		l := store.List{Name: "team", Kind: store.ListKind(c.kind), Settings: store.Settings{Posting: store.PostingPolicy(c.posting)}}
		var mb *store.Membership
		if c.claims {
			mb = &store.Membership{Role: "member"}
		}
		hold, reason := senderHold(l, mb, v)
		if hold != c.hold || (hold && reason != ReasonUnverified) {
			t.Errorf("%s/%s claims=%v: hold=%v %q, want %v", c.kind, c.posting, c.claims, hold, reason, c.hold)
		}
	}
	// The archive copy records the verdict.
	if err := res.AddTo(m); err != nil {
		t.Fatal(err)
	}
	out := string(m.Raw)
	if !strings.HasPrefix(out, "Authentication-Results: lists.example.org;\r\n\tspf=fail smtp.mailfrom=example.net;") {
		t.Errorf("archive header:\n%s", out)
	}
}

// TestGenuineMemberNotHeld: the same post from a host SPF allows passes.
func TestGenuineMemberNotHeld(t *testing.T) {
	e := newBounceEnv(t, map[string][]string{
		"example.net":        {"v=spf1 ip4:127.0.0.0/8 -all"},
		"_dmarc.example.net": {"v=DMARC1; p=reject"},
	})
	env := Envelope{From: "dana@example.net", RemoteAddr: "127.0.0.1:40000", Helo: "mx.example.net"}
	v := e.svc.checkSender(context.Background(), env, mustParse(t, spoofPost))
	if !v.Vouched() || v.Result.DMARC != "pass" {
		t.Fatalf("genuine verdict: %+v", v.Result)
	}
	for _, kind := range []string{"discussion", "caucus", "announce"} {
		posting := "members"
		if kind == "announce" {
			posting = "announce"
		}
		l := store.List{Name: "team", Kind: store.ListKind(kind), Settings: store.Settings{Posting: store.PostingPolicy(posting)}}
		if hold, _ := senderHold(l, &store.Membership{Role: "member"}, v); hold {
			t.Errorf("%s: genuine post held", kind)
		}
	}
}

// TestAuthDNSDown: nothing can be checked. Announce and caucus lists
// send the post to moderation; members-only discussion lists let it
// through the usual policy.
func TestAuthDNSDown(t *testing.T) {
	e := newBounceEnv(t, nil)
	down := testkit.NewDNS(nil)
	down.TimeOut(testkit.Every)
	e.svc.o.Resolver = down
	e.svc.dns = auth.NewCache(auth.Adapt(down), nil)
	e.svc.dmarc = dmarc.New(down, nil, dmarc.Options{})
	v := e.svc.checkSender(context.Background(), Envelope{From: "dana@example.net", RemoteAddr: "127.0.0.1:1", Helo: "x"}, mustParse(t, spoofPost))
	if !v.DNSFailed() || v.Forged() {
		t.Fatalf("DNS down: %+v", v.Result)
	}
	cases := map[string]bool{"announce": true, "caucus": true, "discussion": false, "community": false}
	for kind, want := range cases {
		posting := "members"
		if kind == "announce" {
			posting = "announce"
		}
		hold, reason := senderHold(store.List{Kind: store.ListKind(kind), Settings: store.Settings{Posting: store.PostingPolicy(posting)}}, &store.Membership{Role: "member"}, v)
		if hold != want || (hold && reason != ReasonUnverifiedDNS) {
			t.Errorf("%s: hold=%v %q, want %v", kind, hold, reason, want)
		}
	}
	// And a domain that vouched (aligned pass) is never held.
	aligned := SenderVerdict{Result: auth.Result{Aligned: true, TempError: true}, checked: true}
	if hold, _ := senderHold(store.List{Kind: "announce", Settings: store.Settings{Posting: "announce"}}, &store.Membership{Role: "member"}, aligned); hold {
		t.Error("aligned post held")
	}
}
