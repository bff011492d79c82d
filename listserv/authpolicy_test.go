package listserv

import (
	"context"
	"net"
	"strings"
	"testing"

	"minyan/listserv/auth"
	"minyan/store"
)

const spoofPost = "From: Dana <dana@example.net>\r\nTo: team@lists.example.org\r\nSubject: urgent\r\nMessage-ID: <s1@example.net>\r\nDate: Mon, 02 Nov 2026 10:00:00 -0500\r\n\r\nPlease wire money.\r\n"

// TestSpoofedMemberHeld: a post with a member's From, sent from a host
// the member's domain does not allow (SPF -all fails, no DKIM), is held
// on members-only, caucus and announce lists, and not on open ones.
func TestSpoofedMemberHeld(t *testing.T) {
	e := newBounceEnv(t, txtDNS{"example.net": {"v=spf1 ip4:192.0.2.0/24 -all"}})
	env := Envelope{From: "dana@example.net", Rcpts: []string{"team@lists.example.org"}, RemoteAddr: "127.0.0.1:40000", Helo: "evil.example"}
	res := e.svc.authenticate(context.Background(), env, []byte(spoofPost))
	if !res.Failed() || res.SPF != "fail" || res.DKIM != "none" {
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
		l := store.List{Name: "team", Kind: c.kind, Settings: store.Settings{Posting: c.posting}}
		hold, reason := e.svc.authHold(l, c.claims, res)
		if hold != c.hold || (hold && reason != ReasonUnverified) {
			t.Errorf("%s/%s claims=%v: hold=%v %q, want %v", c.kind, c.posting, c.claims, hold, reason, c.hold)
		}
	}
	// The archive copy records the verdict.
	out := string(res.Prepend([]byte(spoofPost)))
	if !strings.HasPrefix(out, "Authentication-Results: lists.example.org;\r\n\tspf=fail smtp.mailfrom=example.net;") {
		t.Errorf("archive header:\n%s", out)
	}
}

// TestGenuineMemberNotHeld: the same post from a host SPF allows passes.
func TestGenuineMemberNotHeld(t *testing.T) {
	e := newBounceEnv(t, txtDNS{
		"example.net":        {"v=spf1 ip4:127.0.0.0/8 -all"},
		"_dmarc.example.net": {"v=DMARC1; p=reject"},
	})
	env := Envelope{From: "dana@example.net", RemoteAddr: "127.0.0.1:40000", Helo: "mx.example.net"}
	res := e.svc.authenticate(context.Background(), env, []byte(spoofPost))
	if !res.Aligned || res.DMARC != "pass" {
		t.Fatalf("genuine verdict: %+v", res)
	}
	for _, kind := range []string{"discussion", "caucus", "announce"} {
		posting := "members"
		if kind == "announce" {
			posting = "announce"
		}
		l := store.List{Name: "team", Kind: kind, Settings: store.Settings{Posting: posting}}
		if hold, _ := e.svc.authHold(l, true, res); hold {
			t.Errorf("%s: genuine post held", kind)
		}
	}
}

// timeoutDNS never answers.
type timeoutDNS struct{}

func (timeoutDNS) LookupTXT(ctx context.Context, name string) ([]string, error) {
	return nil, &net.DNSError{Err: "i/o timeout", Name: name, IsTimeout: true}
}

// TestAuthDNSDown: nothing can be checked. Announce and caucus lists
// send the post to moderation; members-only discussion lists let it
// through the usual policy.
func TestAuthDNSDown(t *testing.T) {
	e := newBounceEnv(t, nil)
	e.svc.o.Resolver = timeoutDNS{}
	e.svc.dns = auth.NewCache(auth.Adapt(timeoutDNS{}), nil)
	res := e.svc.authenticate(context.Background(), Envelope{From: "dana@example.net", RemoteAddr: "127.0.0.1:1", Helo: "x"}, []byte(spoofPost))
	if !res.TempError || res.Failed() {
		t.Fatalf("DNS down: %+v", res)
	}
	cases := map[string]bool{"announce": true, "caucus": true, "discussion": false, "community": false}
	for kind, want := range cases {
		posting := "members"
		if kind == "announce" {
			posting = "announce"
		}
		hold, reason := e.svc.authHold(store.List{Kind: kind, Settings: store.Settings{Posting: posting}}, true, res)
		if hold != want || (hold && reason != ReasonUnverifiedDNS) {
			t.Errorf("%s: hold=%v %q, want %v", kind, hold, reason, want)
		}
	}
	// And a domain that vouched (aligned pass) is never held.
	if hold, _ := e.svc.authHold(store.List{Kind: "announce", Settings: store.Settings{Posting: "announce"}}, true, auth.Result{Aligned: true, TempError: true}); hold {
		t.Error("aligned post held")
	}
}
