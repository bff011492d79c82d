package main

import (
	"context"
	"minyan/listserv"
	"minyan/listserv/testkit"
	"strings"
	"testing"
	"time"
)

// startEnvDNS is startEnv without LMTP and IMAP, with its fake DNS.
func startEnvDNS(t *testing.T) (*testEnv, *testkit.DNS) {
	t.Helper()
	e := startEnv(t, func(c *Config) { c.Server.LMTPListen, c.Server.IMAPListen = "", "" })
	return e, e.dns
}

// TestDMARCMitigationOverSMTP: From is rewritten only for authors whose
// domain publishes p=quarantine or p=reject (or when the lookup fails,
// the safe side), never for the list's own domain, and as the list's
// dmarc_mitigation says; the author stays reachable through Reply-To or
// Cc by the documented rule; lookups are cached.
func TestDMARCMitigationOverSMTP(t *testing.T) {
	t.Parallel()
	e, dns := startEnvDNS(t)
	for _, d := range []string{"reject.example", "quarantine.example", "none.example", "norecord.example", "slow.example", "lists.example.org"} {
		// SPF allows the test client, so the posts also pass the
		// inbound sender check.
		e.dns.SetTXT(d, "v=spf1 ip4:127.0.0.0/8 -all")
	}
	e.dns.SetTXT("_dmarc.reject.example", "v=DMARC1; p=reject; rua=mailto:agg@reject.example")
	e.dns.SetTXT("_dmarc.quarantine.example", "v=DMARC1; p=quarantine; pct=100")
	e.dns.SetTXT("_dmarc.none.example", "v=DMARC1; p=none")
	e.dns.SetTXT("_dmarc.lists.example.org", "v=DMARC1; p=reject")
	dns.TimeOut("_dmarc.slow.example")

	authors := []string{"rita@reject.example", "quinn@quarantine.example", "nora@none.example", "ned@norecord.example", "sam@slow.example", "owen@lists.example.org"}
	members := map[string]string{"reader@example.net": "member"}
	for _, a := range authors {
		members[a] = "member"
	}
	e.setup("team", "discussion", members)
	e.setup("alerts", "announce", map[string]string{"rita@reject.example": "moderator", "reader@example.net": "member"})
	e.setup("plain", "discussion", map[string]string{"rita@reject.example": "member", "nora@none.example": "member", "reader@example.net": "member"})
	if _, err := e.srv.App.Svc.SetList(context.Background(), listserv.Operator(listserv.DoorCLI), "plain", []string{"dmarc_mitigation=never"}); err != nil {
		t.Fatal(err)
	}

	var want int64
	sendAs := func(author, list, subject string) {
		t.Helper()
		name := strings.Split(author, "@")[0]
		msg := "From: " + strings.ToUpper(name[:1]) + name[1:] + " <" + author + ">\nTo: " + list + "@lists.example.org\nSubject: " + subject +
			"\nMessage-ID: <" + strings.ReplaceAll(subject, " ", ".") + "." + list + "@example.net>\nDate: Mon, 02 Nov 2026 10:00:00 -0500\n\nhello\n"
		if err := e.send(author, []string{list + "@lists.example.org"}, msg); err != nil {
			t.Fatalf("%s: %v", subject, err)
		}
	}
	for _, a := range authors {
		sendAs(a, "team", "from "+strings.Split(a, "@")[0])
		want += int64(len(members))
	}
	sendAs("rita@reject.example", "team", "again from rita") // cached policy
	want += int64(len(members))
	sendAs("rita@reject.example", "alerts", "alert from rita")
	want += 2
	sendAs("rita@reject.example", "plain", "never munged")
	sendAs("nora@none.example", "plain", "never munged either")
	want += 6
	if !e.sink.WaitDelivered(want, 20*time.Second) {
		t.Fatalf("delivered %d of %d", e.sink.Delivered(), want)
	}

	copyFor := func(subject string) (from, replyTo, cc, origFrom string) {
		t.Helper()
		for _, m := range e.sink.Messages() {
			if m.Rcpts[0] != "reader@example.net" {
				continue
			}
			h := header(t, m.Data)
			if s, _ := h.Subject(); strings.HasSuffix(s, " "+subject) {
				return h.Get("From"), h.Get("Reply-To"), h.Get("Cc"), h.Get("X-Original-From")
			}
		}
		t.Fatalf("no copy of %q", subject)
		return
	}
	for _, c := range []struct {
		subject, from, replyTo, cc string
	}{
		// p=reject and p=quarantine: munged; the list replies to the
		// list, so the author goes to Cc.
		{"from rita", `"Rita via team" <team@lists.example.org>`, "<team@lists.example.org>", `"Rita" <rita@reject.example>`},
		{"again from rita", `"Rita via team" <team@lists.example.org>`, "<team@lists.example.org>", `"Rita" <rita@reject.example>`},
		{"from quinn", `"Quinn via team" <team@lists.example.org>`, "<team@lists.example.org>", `"Quinn" <quinn@quarantine.example>`},
		// p=none and no record: untouched.
		{"from nora", "Nora <nora@none.example>", "<team@lists.example.org>", ""},
		{"from ned", "Ned <ned@norecord.example>", "<team@lists.example.org>", ""},
		// Lookup timed out: munged, the safe side.
		{"from sam", `"Sam via team" <team@lists.example.org>`, "<team@lists.example.org>", `"Sam" <sam@slow.example>`},
		// The list's own domain: never, whatever its record says.
		{"from owen", "Owen <owen@lists.example.org>", "<team@lists.example.org>", ""},
		// Announce replies to the sender: the author is the Reply-To.
		{"alert from rita", `"Rita via alerts" <alerts@lists.example.org>`, `"Rita" <rita@reject.example>`, ""},
		// dmarc_mitigation=never.
		{"never munged", "Rita <rita@reject.example>", "<plain@lists.example.org>", ""},
		{"never munged either", "Nora <nora@none.example>", "<plain@lists.example.org>", ""},
	} {
		from, replyTo, cc, orig := copyFor(c.subject)
		if from != c.from || replyTo != c.replyTo || cc != c.cc {
			t.Errorf("%s:\n got From %q Reply-To %q Cc %q\nwant From %q Reply-To %q Cc %q", c.subject, from, replyTo, cc, c.from, c.replyTo, c.cc)
		}
		if munged := strings.Contains(c.from, " via "); munged != (orig != "") {
			t.Errorf("%s: X-Original-From %q", c.subject, orig)
		}
	}
	// Cached: rita's four posts cost one policy lookup by the munging
	// decision (listserv/dmarc's cache; its unit tests check the TTLs),
	// plus at most one per post by the inbound sender check, which does
	// not share that cache.
	if n := dns.Queries("_dmarc.reject.example"); n < 1 || n > 5 {
		t.Errorf("_dmarc.reject.example queried %d times for 4 posts", n)
	}
}

// TestDMARCAlwaysOverSMTP: dmarc_mitigation=always munges even p=none
// authors, and still never the list's own domain.
func TestDMARCAlwaysOverSMTP(t *testing.T) {
	t.Parallel()
	e, _ := startEnvDNS(t)
	e.dns.SetTXT("none.example", "v=spf1 ip4:127.0.0.0/8 -all")
	e.dns.SetTXT("lists.example.org", "v=spf1 ip4:127.0.0.0/8 -all")
	e.dns.SetTXT("_dmarc.none.example", "v=DMARC1; p=none")
	e.setup("team", "discussion", map[string]string{"nora@none.example": "member", "owen@lists.example.org": "member", "reader@example.net": "member"}, "dmarc_mitigation=always")
	for _, a := range []string{"nora@none.example", "owen@lists.example.org"} {
		if err := e.send(a, []string{"team@lists.example.org"}, post(a, "team@lists.example.org", "hi from "+strings.Split(a, "@")[0], "x")); err != nil {
			t.Fatal(err)
		}
	}
	if !e.sink.WaitDelivered(6, 20*time.Second) {
		t.Fatal("not delivered")
	}
	for _, m := range e.sink.Messages() {
		if m.Rcpts[0] != "reader@example.net" {
			continue
		}
		h := header(t, m.Data)
		s, _ := h.Subject()
		from := h.Get("From")
		switch {
		case strings.HasSuffix(s, "hi from nora") && !strings.Contains(from, "team@lists.example.org"):
			t.Errorf("always: From %q", from)
		case strings.HasSuffix(s, "hi from owen") && from != "owen@lists.example.org":
			t.Errorf("own domain munged: From %q", from)
		}
	}
}
