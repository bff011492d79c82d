package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"minyan/listserv/smtpsink"
	"minyan/store"
)

var (
	alertReplyRE = regexp.MustCompile(`(?m)^Reply-To: act-act\+([a-z2-7]{39})@lists\.example\.org\r?$`)
	alertLinkRE  = regexp.MustCompile(`http://127\.0\.0\.1:8080/a/([a-z2-7]{39})`)
)

// alertTokens reads the personal parts of one delivered copy: the token
// of its Reply-To and of its I-did-it link, which must be the same.
func alertTokens(t *testing.T, m smtpsink.Message) string {
	t.Helper()
	body, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(m.Data)))
	reply := alertReplyRE.FindSubmatch(m.Data)
	link := alertLinkRE.FindSubmatch(body)
	if reply == nil || link == nil || string(reply[1]) != string(link[1]) {
		t.Fatalf("copy to %v lacks matching personal parts (reply %q, link %q):\n%s", m.Rcpts, reply, link, m.Data)
	}
	if n := bytes.Count(m.Data, []byte("\nReply-To:")); n != 1 {
		t.Errorf("copy to %v has %d Reply-To fields", m.Rcpts, n)
	}
	return string(reply[1])
}

// TestAlertEndToEnd is issue 22's test through the daemon: an alert to
// three members (one in digest mode) reaches all three at once; one
// replies "called", one presses the button; `alert ls` shows SENT 3
// DONE 2; after alert_followup_after exactly one follow-up goes, to the
// third, also across a restart; the reply is not distributed; forged
// replies record nothing; the digest leaves the alert out; the API
// answers as docs/openapi.yaml says.
func TestAlertEndToEnd(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("act", "announce", map[string]string{"own@example.net": "owner", "ann@example.net": "member",
		"bob@example.net": "member", "cat@example.net": "member"}, "alert_followup_after=48h")
	e.mustCLI("member", "set", "--mode", "nomail", "act", "own@example.net")
	e.mustCLI("member", "set", "--mode", "digest", "act", "bob@example.net")

	if err := e.send("own@example.net", []string{"act@lists.example.org"},
		post("Owner <own@example.net>", "act@lists.example.org", "Call the senator #alert", "Please call 555-0100 before Friday.")); err != nil {
		t.Fatal(err)
	}
	e.drained()
	tokens := map[string]string{}
	for _, who := range []string{"ann@example.net", "bob@example.net", "cat@example.net"} {
		got := e.to(who)
		if len(got) != 1 {
			t.Fatalf("%s got %d mails, want the alert at once", who, len(got))
		}
		body, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(got[0].Data)))
		if !bytes.Contains(got[0].Data, []byte("Subject: [act] Call the senator\r\n")) || bytes.Contains(body, []byte("%23alert")) {
			t.Errorf("%s: the subject still carries the tag:\n%s", who, got[0].Data)
		}
		tokens[who] = alertTokens(t, got[0])
	}
	if n := len(e.to("own@example.net")); n != 0 {
		t.Errorf("the nomail owner got %d mails", n)
	}
	if tokens["ann@example.net"] == tokens["bob@example.net"] {
		t.Fatal("two members share a token")
	}

	// ann replies "called" above the quote; bob presses the button.
	reply := "From: Ann <ann@example.net>\nTo: act-act+" + tokens["ann@example.net"] + "@lists.example.org\nSubject: Re: [act] Call the senator\nMessage-ID: <r1@example.net>\n\ncalled\n\nOn Mon, the list wrote:\n> Please call 555-0100 before Friday.\n"
	if err := e.send("ann@example.net", []string{"act-act+" + tokens["ann@example.net"] + "@lists.example.org"}, reply); err != nil {
		t.Fatalf("reply refused: %v", err)
	}
	web := newWebClient(t, e)
	if code, page := web.get("/a/" + tokens["bob@example.net"]); code != 200 || !strings.Contains(page, "I did it") {
		t.Fatalf("GET the I-did-it page: %d\n%s", code, page)
	}
	if code, page := web.post("/a/"+tokens["bob@example.net"], url.Values{}, "Sec-Fetch-Site", "cross-site"); code != 403 {
		t.Errorf("a cross-site POST was not refused: %d\n%s", code, page)
	}
	if code, page := web.post("/a/"+tokens["bob@example.net"], url.Values{}); code != 200 || !strings.Contains(page, "has noted") {
		t.Fatalf("POST the button: %d\n%s", code, page)
	}

	// Forged replies: a wrong token, and a well-shaped one that matches
	// no stored hash. Refused, nothing recorded, nothing mailed.
	wrong := tokens["cat@example.net"][:35] + "aaaa"
	if wrong == tokens["cat@example.net"] {
		wrong = tokens["cat@example.net"][:35] + "bbbb"
	}
	for _, tok := range []string{"WRONG", wrong} {
		rcpt := "act-act+" + tok + "@lists.example.org"
		err := e.send("mallory@example.com", []string{rcpt}, post("Mallory <mallory@example.com>", rcpt, "Re: [act] Call the senator", "done"))
		if smtpCode(err) != 550 {
			t.Errorf("forged reply to %s: %v, want 550", rcpt, err)
		}
	}

	if out := e.mustCLI("alert", "ls", "act"); out != "1\t3\t2\tCall the senator\n" {
		t.Errorf("alert ls:\n%q", out)
	}
	show := e.mustCLI("alert", "show", "act", "1")
	for _, want := range []string{"ann@example.net\tdone\t", "\tcalled\n", "bob@example.net\tdone\t", "cat@example.net\t-\t-\t\n"} {
		if !strings.Contains(show, want) {
			t.Errorf("alert show lacks %q:\n%s", want, show)
		}
	}
	e.drained()
	if thanks := e.to("ann@example.net"); len(thanks) != 2 || !bytes.Contains(thanks[1].Data, []byte("Thank you")) {
		t.Errorf("ann got %d mails; want the alert and a thanks", len(thanks))
	}
	for _, m := range e.sink.Messages() {
		if bytes.Contains(m.Data, []byte("On Mon, the list wrote")) || m.Rcpts[0] == "mallory@example.com" {
			t.Errorf("the reply (or an answer to a forger) went out to %v:\n%s", m.Rcpts, m.Data)
		}
	}
	if n, _, _ := archiveCount(e, "act"); n != 1 {
		t.Errorf("archive holds %d posts; replies are never posts", n)
	}

	// The API, checked against docs/openapi.yaml.
	read, err := e.srv.App.Svc.CreateAPIToken("reports", store.ScopeRead)
	if err != nil {
		t.Fatal(err)
	}
	api := newAPIClient(t, e.srv.HTTPAddr)
	var alerts []struct{ ID, Recipients, Done int }
	if err := json.Unmarshal(api.want(200, read, "GET", "/lists/act/alerts", nil), &alerts); err != nil || len(alerts) != 1 || alerts[0].Recipients != 3 || alerts[0].Done != 2 {
		t.Errorf("GET alerts: %+v %v", alerts, err)
	}
	api.want(200, read, "GET", "/lists/act/alerts/1", nil)
	api.want(404, read, "GET", "/lists/act/alerts/9", nil)

	// bob reads digests: the alert reached him at once and is not in one.
	e.mustCLI("digest", "send", "act")
	e.drained()
	if n := len(e.to("bob@example.net")); n != 1 {
		t.Errorf("bob got %d mails; the alert must not come again in a digest", n)
	}

	// The follow-up: not before alert_followup_after, then once, to cat
	// only, also across a restart.
	before := len(e.sink.Messages())
	e.advance(47 * time.Hour)
	if err := e.srv.App.Svc.Maintain(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.drained()
	if n := len(e.sink.Messages()); n != before {
		t.Fatalf("%d mails before the follow-up was due", n-before)
	}
	e.advance(2 * time.Hour)
	if err := e.srv.App.Svc.Maintain(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.restart()
	if err := e.srv.App.Svc.Maintain(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.srv.outbox.Wake()
	e.drained()
	followups := append([]smtpsink.Message(nil), e.sink.Messages()[before:]...)
	if len(followups) != 1 || followups[0].Rcpts[0] != "cat@example.net" || !bytes.Contains(followups[0].Data, []byte("Reminder: Call the senator")) {
		t.Fatalf("follow-ups: %d, want exactly one, to cat", len(followups))
	}
	// Its personal parts work: a reply to it records cat too.
	tok := alertTokens(t, followups[0])
	rcpt := "act-act+" + tok + "@lists.example.org"
	if err := e.send("cat@example.net", []string{rcpt}, post("Cat <cat@example.net>", rcpt, "Re: Reminder", "done, sorry for the wait")); err != nil {
		t.Fatal(err)
	}
	if out := e.mustCLI("alert", "ls", "act"); out != "1\t3\t3\tCall the senator\n" {
		t.Errorf("alert ls after the follow-up reply:\n%q", out)
	}
}
