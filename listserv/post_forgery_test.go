package listserv

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"minyan/listserv/testkit"
	"minyan/store"
)

// The attacker sends from its own server (198.51.100.66), which SPF
// allows for attacker.com; the victim's domain allows only 192.0.2.10
// and publishes p=reject.
var forgeryDNS = map[string][]string{
	"victim.org":          {"v=spf1 ip4:192.0.2.10 -all"},
	"_dmarc.victim.org":   {"v=DMARC1; p=reject"},
	"attacker.com":        {"v=spf1 ip4:198.51.100.66 -all"},
	"_dmarc.attacker.com": {"v=DMARC1; p=none"},
}

const (
	attackerIP = "198.51.100.66:40000"
	victimIP   = "192.0.2.10:40000"
)

func forgeryEnv(t *testing.T) *bounceEnv {
	e := newBounceEnv(t, forgeryDNS)
	e.list("c", "caucus", map[string]string{"alice@victim.org": "member", "reader@example.net": "member", "mod@example.net": "moderator"})
	return e
}

// posted tells what happened to the post: "distributed" (queued for the
// members), "held: REASON", or "nothing".
func (e *bounceEnv) posted(list string) string {
	e.t.Helper()
	for _, q := range e.queued() {
		if strings.HasPrefix(q, "post ") {
			return "distributed"
		}
	}
	held, err := e.svc.HeldItems(context.Background(), Operator(DoorCLI), list)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(held) > 0 {
		return "held: " + held[0].Reason
	}
	return "nothing"
}

func (e *bounceEnv) receive(env Envelope, raw string) {
	e.t.Helper()
	if errs := e.svc.Receive(context.Background(), env, []byte(raw)); errs[0] != nil {
		e.t.Fatalf("refused: %v", errs[0])
	}
}

// TestForgedFromVariantsHeld: each way of writing From that the sender
// check used to read differently from the core got a forged post from
// the attacker's server distributed as the member. The check now judges
// the core's author, so each is held with a reason.
func TestForgedFromVariantsHeld(t *testing.T) {
	var filler strings.Builder
	for i := 0; i < 1001; i++ {
		fmt.Fprintf(&filler, "X-Filler-%d: x\r\n", i)
	}
	body := "To: c@lists.example.org\r\nSubject: forged\r\nMessage-ID: <f@attacker.com>\r\n\r\nWire the money.\r\n"
	for _, c := range []struct{ name, head, reason string }{
		{"space before colon", "From : Alice <alice@victim.org>\r\n", ReasonUnverified},
		{"1001 fields before From", filler.String() + "From: Alice <alice@victim.org>\r\n", ReasonUnverified},
		{"two addresses", "From: =?windows-1252?q?Alice?= <alice@victim.org>, <mallory@attacker.com>\r\n",
			ReasonUnverified + ": the From field names several addresses, so the sender cannot be verified"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := forgeryEnv(t)
			e.receive(Envelope{From: "mallory@attacker.com", Rcpts: []string{"c@lists.example.org"}, RemoteAddr: attackerIP, Helo: "attacker.com"}, c.head+body)
			if got := e.posted("c"); got != "held: "+c.reason {
				t.Fatalf("forged post: %s; want held: %s", got, c.reason)
			}
		})
	}
	// Control: the member herself, from her domain's server, goes out.
	e := forgeryEnv(t)
	e.receive(Envelope{From: "alice@victim.org", Rcpts: []string{"c@lists.example.org"}, RemoteAddr: victimIP, Helo: "mx.victim.org"}, "From : Alice <alice@victim.org>\r\n"+body)
	if got := e.posted("c"); got != "distributed" {
		t.Fatalf("genuine post: %s", got)
	}
}

// TestUndeterminableAuthorDomainHeld: on a guarded list a post whose
// author domain cannot be checked is held, not judged "no policy".
func TestUndeterminableAuthorDomainHeld(t *testing.T) {
	e := forgeryEnv(t)
	e.receive(Envelope{From: "mallory@attacker.com", Rcpts: []string{"c@lists.example.org"}, RemoteAddr: attackerIP, Helo: "attacker.com"},
		"From: Alice <alice@victim>\r\nSubject: x\r\nMessage-ID: <u@attacker.com>\r\n\r\nx\r\n")
	if got := e.posted("c"); !strings.HasPrefix(got, "held: "+ReasonUnverified+": the domain of the From address") {
		t.Fatalf("post from an unusable domain: %s", got)
	}
}

// TestEnvelopeOnlyMembershipNeedsSPF: an owner's address as MAIL FROM
// with an outsider's From used to pass the announce list's moderator
// rule although SPF failed for the owner's domain. It is held; the same
// envelope from the owner's own server (SPF pass) is believed.
func TestEnvelopeOnlyMembershipNeedsSPF(t *testing.T) {
	raw := "From: mallory@elsewhere.example\r\nTo: news@lists.example.org\r\nSubject: fake news\r\nMessage-ID: <%s@attacker.com>\r\n\r\nx\r\n"
	e := newBounceEnv(t, forgeryDNS)
	e.list("news", "announce", map[string]string{"owner@victim.org": "owner", "reader@example.net": "member"})
	e.receive(Envelope{From: "owner@victim.org", Rcpts: []string{"news@lists.example.org"}, RemoteAddr: attackerIP, Helo: "attacker.com"}, fmt.Sprintf(raw, "a"))
	if got := e.posted("news"); !strings.HasPrefix(got, "held: owner@victim.org is a member only as the envelope sender") {
		t.Fatalf("envelope-forged owner: %s", got)
	}

	e = newBounceEnv(t, forgeryDNS)
	e.list("news", "announce", map[string]string{"owner@victim.org": "owner", "reader@example.net": "member"})
	e.receive(Envelope{From: "owner@victim.org", Rcpts: []string{"news@lists.example.org"}, RemoteAddr: victimIP, Helo: "mx.victim.org"}, fmt.Sprintf(raw, "b"))
	if got := e.posted("news"); got != "distributed" {
		t.Fatalf("owner's envelope with SPF pass: %s", got)
	}
}

// TestForgedModeratorOnModeratedList: a moderator's post skips review on
// a moderated list, so a claim to be one is checked there too.
func TestForgedModeratorOnModeratedList(t *testing.T) {
	e := newBounceEnv(t, forgeryDNS)
	e.list("m", "discussion", map[string]string{"alice@victim.org": "moderator", "reader@example.net": "member"}, "posting=moderated")
	e.receive(Envelope{From: "alice@victim.org", Rcpts: []string{"m@lists.example.org"}, RemoteAddr: attackerIP, Helo: "attacker.com"},
		"From: alice@victim.org\r\nSubject: x\r\nMessage-ID: <m@attacker.com>\r\n\r\nx\r\n")
	if got := e.posted("m"); got != "held: "+ReasonUnverified {
		t.Fatalf("forged moderator: %s", got)
	}
}

// TestIDNAuthorOneDMARCLookup: an author at an internationalized domain
// with p=reject. The sender check used to ask for the U-label name
// (dmarc=none) while the From-rewriting decision asked for the A-labels
// (reject). Now one lookup, by A-labels, decides both: the verdict says
// dmarc=pass for xn--bcher-kva.example and From is rewritten.
func TestIDNAuthorOneDMARCLookup(t *testing.T) {
	dns := testkit.NewDNS(map[string][]string{
		"xn--bcher-kva.example":        {"v=spf1 ip4:192.0.2.10 -all"},
		"_dmarc.xn--bcher-kva.example": {"v=DMARC1; p=reject"},
	})
	e := newBounceEnv(t, nil)
	e.svc = New(e.st, Options{Domain: "lists.example.org", PublicURL: "https://lists.example.org",
		Defaults: e.svc.o.Defaults, Clock: e.clock, Resolver: dns, Logger: e.svc.log})
	e.list("team", "discussion", map[string]string{"reader@example.net": "member"}, "posting=open")
	e.receive(Envelope{From: "a@bücher.example", Rcpts: []string{"team@lists.example.org"}, RemoteAddr: victimIP, Helo: "mx.bücher.example"},
		"From: Jörg <a@bücher.example>\r\nSubject: Bücher\r\nMessage-ID: <i@xn--bcher-kva.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo\r\n")
	if got := e.posted("team"); got != "distributed" {
		t.Fatalf("IDN author's post: %s", got)
	}
	var raw []byte
	e.st.View(func(tx *store.Tx) error {
		var err error
		raw, err = tx.ArchiveRaw("team", 1)
		return err
	})
	s := string(raw)
	if !strings.Contains(s, "dmarc=pass") || !strings.Contains(s, "header.from=xn--bcher-kva.example") {
		t.Errorf("verdict does not match the domain's policy:\n%.600s", s)
	}
	if !strings.Contains(s, "_via_team?= <team@lists.example.org>") {
		t.Errorf("From not rewritten for a p=reject author:\n%.600s", s)
	}
	var asked []string
	for _, name := range dns.Asked() {
		if strings.HasPrefix(name, "_dmarc.") {
			asked = append(asked, name)
		}
	}
	if len(asked) != 1 || asked[0] != "_dmarc.xn--bcher-kva.example" {
		t.Errorf("DMARC queries %q, want one, by A-labels", asked)
	}
}
