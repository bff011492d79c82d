package listserv

import (
	"errors"
	"strings"
	"testing"
	"time"

	"minyan/store"
)

// alertRcpt is one queued recipient with its message, as the outbox
// holds it.
type alertRcpt struct {
	kind, mark string
	rcpt       store.QueuedRcpt
	body       string
}

func (e *doorEnv) queuedRcpts() []alertRcpt {
	e.t.Helper()
	var out []alertRcpt
	err := e.st.View(func(tx *store.Tx) error {
		return tx.EachQueued(func(m store.QueuedMessage, r store.QueuedRcpt) error {
			out = append(out, alertRcpt{kind: m.Kind, mark: m.Mark, rcpt: r})
			return nil
		})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range out {
		_, body, err := e.st.QueuedMessage(out[i].rcpt.MsgID)
		if err != nil {
			e.t.Fatal(err)
		}
		out[i].body = string(body)
	}
	return out
}

func (e *doorEnv) alertMail(kind, to string) alertRcpt {
	e.t.Helper()
	var found []alertRcpt
	for _, q := range e.queuedRcpts() {
		if q.kind == kind && q.rcpt.Address == to {
			found = append(found, q)
		}
	}
	if len(found) != 1 {
		e.t.Fatalf("%d %s mails to %s, want 1", len(found), kind, to)
	}
	return found[0]
}

func (e *doorEnv) receiveErr(envFrom, rcpt, raw string) error {
	return e.svc.Receive(bg, Envelope{From: envFrom, Rcpts: []string{rcpt}, RemoteAddr: "127.0.0.1:40000", Helo: "mx.example.net"}, []byte(raw))[0]
}

func (e *doorEnv) alertDetail(list string, id uint64) (AlertSummary, map[string]store.AlertRcpt) {
	e.t.Helper()
	sum, rs, err := e.svc.AlertDetail(bg, op, list, id)
	if err != nil {
		e.t.Fatal(err)
	}
	m := map[string]store.AlertRcpt{}
	for _, r := range rs {
		m[r.Address] = r
	}
	return sum, m
}

func newAlertEnv(t *testing.T) *doorEnv {
	e := newDoorEnv(t, nil)
	e.list("act", "announce", map[string]string{"own@example.org": "owner", "mem@example.org": "member"}, "alert_followup_after=48h")
	if _, err := e.svc.AddMembers(bg, op, "act", []MemberSpec{
		{Address: "dig@example.org", Mode: "digest"}, {Address: "off@example.org", Mode: "nomail"}, {Address: "late@example.org"},
	}, false); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestAlertFanOut: an owner's #alert post reaches each and digest
// members at once, never nomail ones, rendered once with a placeholder
// each recipient's token replaces and a personal Reply-To; the tag is
// gone from what members see and the archive keeps no personal part.
func TestAlertFanOut(t *testing.T) {
	e := newAlertEnv(t)
	e.send("own@example.org", "act@lists.example.org", msg("Owner <own@example.org>", "act@lists.example.org", "Call the senator today #Alert", "Please call 555-0100."))

	var kinds []string
	to := map[string]alertRcpt{}
	for _, q := range e.queuedRcpts() {
		kinds = append(kinds, q.kind)
		to[q.rcpt.Address] = q
	}
	for _, k := range kinds {
		if k != "alert" {
			t.Fatalf("queued kinds %v; want only alert copies", kinds)
		}
	}
	for _, a := range []string{"own@example.org", "mem@example.org", "dig@example.org", "late@example.org"} {
		q, ok := to[a]
		if !ok {
			t.Errorf("%s got no alert", a)
			continue
		}
		tok := q.rcpt.Fill
		if len(tok) != alertTokenLength || len(q.mark) != len(tok) {
			t.Errorf("%s: fill %q for mark %q", a, tok, q.mark)
		}
		if !strings.Contains(q.rcpt.Header, "Reply-To: act-act+"+tok+"@lists.example.org\r\n") {
			t.Errorf("%s: no personal Reply-To in %q", a, q.rcpt.Header)
		}
		if !strings.Contains(q.rcpt.Header, "List-Unsubscribe: <https://lists.example.org/u/") {
			t.Errorf("%s: personalized list lost its unsubscribe header: %q", a, q.rcpt.Header)
		}
		if !strings.Contains(q.body, "https://lists.example.org/a/"+q.mark+"\r\n") {
			t.Errorf("the shared body lacks the I-did-it link placeholder:\n%s", q.body)
		}
		if strings.Contains(strings.ToLower(q.body), "#alert") {
			t.Errorf("members see the tag:\n%s", q.body)
		}
		if strings.Contains(q.body, "\r\nReply-To:") {
			t.Errorf("the shared body has a Reply-To of its own")
		}
	}
	if _, ok := to["off@example.org"]; ok {
		t.Errorf("a nomail member got the alert")
	}
	if len(to) != 4 {
		t.Errorf("%d recipients, want 4", len(to))
	}

	var raw []byte
	if err := e.st.View(func(tx *store.Tx) error {
		var err error
		raw, err = tx.ArchiveRaw("act", 1)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if s := string(raw); strings.Contains(s, "/a/") || strings.Contains(strings.ToLower(s), "#alert") || !strings.Contains(s, "Subject: [act] Call the senator today\r\n") {
		t.Errorf("archived copy:\n%s", s)
	}
	alerts, err := e.svc.ListAlerts(bg, op, "act")
	if err != nil || len(alerts) != 1 || alerts[0].Recipients != 4 || alerts[0].Done != 0 || alerts[0].Subject != "Call the senator today" || alerts[0].Seq != 1 {
		t.Fatalf("alerts %+v, %v", alerts, err)
	}
	seqs := map[uint64]bool{}
	e.st.View(func(tx *store.Tx) error { seqs, err = tx.AlertSeqs("act"); return err })
	if !seqs[1] {
		t.Errorf("the digest would not know post 1 is an alert: %v", seqs)
	}
}

// TestAlertReplyAndButton: a reply to the personal address and a press
// of the button record the member once each, with the reply's first
// line as the note; the reply is never archived or sent on, and gets a
// thanks; invalid tokens record nothing and confirm nothing.
func TestAlertReplyAndButton(t *testing.T) {
	e := newAlertEnv(t)
	if err := e.st.Update(func(tx *store.Tx) error {
		_, err := tx.AddWebhook(store.Webhook{URL: "https://crm.example.org/hook", Events: []string{"alert.done"}, Secret: "whsec_x"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e.send("own@example.org", "act@lists.example.org", msg("Owner <own@example.org>", "act@lists.example.org", "#alert Sign the letter", "Sign it."))
	mem := e.alertMail("alert", "mem@example.org").rcpt.Fill
	dig := e.alertMail("alert", "dig@example.org").rcpt.Fill
	id, _, _ := parseAlertToken(mem)

	// A reply: first line is the note; the quote is not.
	e.send("mem@example.org", "act-act+"+strings.ToUpper(mem)+"@lists.example.org",
		msg("Mem <mem@example.org>", "act-act+"+mem+"@lists.example.org", "Re: [act] Sign the letter", "called\n\nOn Monday the list wrote:\n> Sign it."))
	// A forged token, a well-shaped token with wrong random bits, and a
	// real token at another list's address: 550, nothing recorded.
	forged := mem[:len(mem)-4] + "aaaa"
	if forged == mem {
		forged = mem[:len(mem)-4] + "bbbb"
	}
	for _, rcpt := range []string{"act-act+wrong@lists.example.org", "act-act+" + forged + "@lists.example.org"} {
		err := e.receiveErr("x@example.net", rcpt, msg("X <x@example.net>", rcpt, "Re: x", "done"))
		var r *Reject
		if !errors.As(err, &r) || r.Code != 550 {
			t.Errorf("%s: %v, want a 550", rcpt, err)
		}
	}
	// A vacation auto-reply is accepted and counts for nothing.
	auto := strings.Replace(msg("Dig <dig@example.org>", "x", "Out of office", "away"), "\r\n\r\n", "\r\nAuto-Submitted: auto-replied\r\n\r\n", 1)
	if err := e.receiveErr("dig@example.org", "act-act+"+dig+"@lists.example.org", auto); err != nil {
		t.Errorf("auto-reply refused: %v", err)
	}

	sum, rs := e.alertDetail("act", id)
	if sum.Done != 1 || rs["mem@example.org"].Note != "called" || rs["mem@example.org"].Via != "reply" || rs["mem@example.org"].Done.IsZero() {
		t.Fatalf("after the reply: %+v %+v", sum, rs["mem@example.org"])
	}
	if !rs["dig@example.org"].Done.IsZero() {
		t.Errorf("an auto-reply counted as done")
	}
	for _, r := range rs {
		if r.Hashes != nil {
			t.Errorf("token hashes left the domain")
		}
	}
	thanks := e.mailsTo("mem@example.org")
	if len(thanks) != 2 || thanks[1].kind != "notice" || !strings.Contains(thanks[1].body, "Thank you") {
		t.Errorf("mails to mem: %+v", thanks)
	}
	var n int
	e.st.View(func(tx *store.Tx) error { n, _, _ = tx.ArchiveStats("act"); return nil })
	if n != 1 {
		t.Errorf("archive holds %d posts; the reply must not be one", n)
	}

	// The button: GET changes nothing, POST records once.
	v, err := e.svc.AlertByToken(dig)
	if err != nil || v.Subject != "Sign the letter" || !v.Done.IsZero() || !strings.Contains(v.Text, "Sign it.") || strings.Contains(v.Text, "Mute this thread") || v.Address != "dig@example.org" {
		t.Fatalf("page: %+v, %v", v, err)
	}
	if v, err := e.svc.ActOnAlert(bg, dig); err != nil || !v.First || v.Done.IsZero() {
		t.Fatalf("press: %+v %v", v, err)
	}
	if v, err := e.svc.ActOnAlert(bg, dig); err != nil || v.First {
		t.Fatalf("second press: %+v %v", v, err)
	}
	if _, err := e.svc.ActOnAlert(bg, forged); !errors.Is(err, ErrBadAlertLink) {
		t.Errorf("forged press: %v", err)
	}
	sum, rs = e.alertDetail("act", id)
	if sum.Done != 2 || rs["dig@example.org"].Via != "web" {
		t.Errorf("after the press: %+v %+v", sum, rs["dig@example.org"])
	}
	// One alert.done event per member who acted, none for repeats.
	var events []string
	e.st.View(func(tx *store.Tx) error {
		return tx.EachWebhookDelivery(func(d store.WebhookDelivery) error {
			events = append(events, d.Type+" "+string(d.Body))
			return nil
		})
	})
	if len(events) != 2 || !strings.Contains(events[0], `"address":"mem@example.org"`) || !strings.Contains(events[0], `"note":"called"`) ||
		!strings.Contains(events[1], `"via":"web"`) || !strings.HasPrefix(events[1], "alert.done ") {
		t.Errorf("webhook events: %q", events)
	}
	// A second reply changes nothing (and thanks again).
	e.send("mem@example.org", "act-act+"+mem+"@lists.example.org", msg("Mem <mem@example.org>", "act-act+"+mem+"@lists.example.org", "Re: x", "done again"))
	if _, rs = e.alertDetail("act", id); rs["mem@example.org"].Note != "called" {
		t.Errorf("a later reply replaced the note: %q", rs["mem@example.org"].Note)
	}

	// Moderators and owners see alerts; members and outsiders do not.
	if _, err := e.svc.ListAlerts(bg, Person("mem@example.org", DoorWeb), "act"); !errors.Is(err, ErrForbidden) {
		t.Errorf("a member listed alerts: %v", err)
	}
	if _, err := e.svc.ListAlerts(bg, Person("own@example.org", DoorWeb), "act"); err != nil {
		t.Errorf("the owner could not list alerts: %v", err)
	}
}

// TestAlertFollowup: alert_followup_after after the alert, one
// follow-up goes to the members who have not acted, with new working
// tokens; once, however often maintenance runs.
func TestAlertFollowup(t *testing.T) {
	e := newAlertEnv(t)
	e.send("own@example.org", "act@lists.example.org", msg("Owner <own@example.org>", "act@lists.example.org", "Show up #alert", "Hearing at 10."))
	mem := e.alertMail("alert", "mem@example.org").rcpt.Fill
	id, _, _ := parseAlertToken(mem)
	if _, err := e.svc.ActOnAlert(bg, mem); err != nil {
		t.Fatal(err)
	}
	// late@ leaves nomail in the meantime: no follow-up for them.
	if err := e.svc.SetMember(bg, op, "act", "late@example.org", "", "nomail"); err != nil {
		t.Fatal(err)
	}
	followups := func() []alertRcpt {
		var out []alertRcpt
		for _, q := range e.queuedRcpts() {
			if q.kind == "alert-followup" {
				out = append(out, q)
			}
		}
		return out
	}
	e.clock.Advance(47 * time.Hour)
	if err := e.svc.Maintain(bg); err != nil {
		t.Fatal(err)
	}
	if n := len(followups()); n != 0 {
		t.Fatalf("%d follow-ups before they were due", n)
	}
	e.clock.Advance(2 * time.Hour)
	for range 3 {
		if err := e.svc.Maintain(bg); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]alertRcpt{}
	for _, q := range followups() {
		got[q.rcpt.Address] = q
	}
	if len(followups()) != 2 || got["own@example.org"].rcpt.Fill == "" || got["dig@example.org"].rcpt.Fill == "" {
		t.Fatalf("follow-ups went to %v; want own@ and dig@ once each", got)
	}
	q := got["dig@example.org"]
	if !strings.Contains(q.body, "https://lists.example.org/a/"+q.mark) || !strings.Contains(q.rcpt.Header, "Reply-To: act-act+"+q.rcpt.Fill+"@") {
		t.Errorf("follow-up without its personal parts: %q\n%s", q.rcpt.Header, q.body)
	}
	// The follow-up's token and the alert's both work, for the same record.
	old := e.alertMail("alert", "own@example.org").rcpt.Fill
	if _, err := e.svc.ActOnAlert(bg, got["dig@example.org"].rcpt.Fill); err != nil {
		t.Errorf("follow-up token: %v", err)
	}
	if _, err := e.svc.ActOnAlert(bg, old); err != nil {
		t.Errorf("the alert's own token after the follow-up: %v", err)
	}
	sum, _ := e.alertDetail("act", id)
	if sum.Done != 3 || sum.FollowupCount != 2 || sum.FollowupSent.IsZero() || sum.Percent() != 75 {
		t.Errorf("summary %+v (%d%%)", sum.Alert, sum.Percent())
	}
}

// TestAlertOnlyFromModerators: #alert from a member of a discussion
// list is an ordinary post, tag and all.
func TestAlertOnlyFromModerators(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("talk", "discussion", map[string]string{"mem@example.org": "member", "two@example.org": "member"})
	e.send("mem@example.org", "talk@lists.example.org", msg("Mem <mem@example.org>", "talk@lists.example.org", "#alert not really", "hi"))
	for _, q := range e.queuedRcpts() {
		if q.kind != "post" || q.rcpt.Fill != "" || !strings.Contains(q.body, "#alert not really") {
			t.Errorf("a member's #alert became an alert: %s %+v", q.kind, q.rcpt)
		}
	}
	if alerts, _ := e.svc.ListAlerts(bg, op, "talk"); len(alerts) != 0 {
		t.Errorf("alerts %+v", alerts)
	}
}

// TestAlertUnpersonalized: on a list with personalize = false every
// copy is still personal (its own Reply-To and link) and shares the
// list's bounce address.
func TestAlertUnpersonalized(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("flat", "announce", map[string]string{"own@example.org": "owner", "a@example.org": "member"}, "personalize=false")
	e.send("own@example.org", "flat@lists.example.org", msg("Owner <own@example.org>", "flat@lists.example.org", "Act now #alert", "Now."))
	q := e.alertMail("alert", "a@example.org")
	if q.rcpt.EnvelopeFrom != "flat-bounces@lists.example.org" || q.rcpt.Fill == "" || q.rcpt.Header != "Reply-To: flat-act+"+q.rcpt.Fill+"@lists.example.org\r\n" {
		t.Errorf("unpersonalized alert copy: %+v", q.rcpt)
	}
}

func TestStripAlertTag(t *testing.T) {
	for _, c := range []struct {
		in, out string
		ok      bool
	}{
		{"Call today #alert", "Call today", true},
		{"#ALERT: call", ": call", true},
		{"(#alert) call", "() call", true},
		{"#alerts are fun", "#alerts are fun", false},
		{"x#alert", "x#alert", false},
		{"#alert", "", true},
		{"a #alert b #alert c", "a b c", true},
		{"Re: [act] news", "Re: [act] news", false},
	} {
		got, ok := StripAlertTag(c.in)
		if got != c.out || ok != c.ok {
			t.Errorf("StripAlertTag(%q) = %q, %v; want %q, %v", c.in, got, ok, c.out, c.ok)
		}
	}
}

func TestAlertTokenShape(t *testing.T) {
	tok := newAlertToken(7, 12345)
	if len(tok) != alertTokenLength || strings.ToLower(tok) != tok {
		t.Fatalf("token %q", tok)
	}
	id, idx, ok := parseAlertToken(strings.ToUpper(tok))
	if !ok || id != 7 || idx != 12345 {
		t.Errorf("parse: %d %d %v", id, idx, ok)
	}
	if !alertTokenMatches(tok, [][]byte{[]byte("x"), hashAlertToken(tok)}) || alertTokenMatches(newAlertToken(7, 12345), [][]byte{hashAlertToken(tok)}) {
		t.Errorf("hash matching")
	}
	for _, bad := range []string{"", "wrong", tok + "a", strings.Repeat("a", alertTokenLength), strings.Repeat("1", alertTokenLength)} {
		if _, _, ok := parseAlertToken(bad); ok && bad != strings.Repeat("a", alertTokenLength) {
			t.Errorf("parsed %q", bad)
		}
	}
}

func FuzzParseAlertToken(f *testing.F) {
	f.Add(newAlertToken(1, 0))
	f.Add("act-act+x")
	f.Add(strings.Repeat("7", alertTokenLength))
	f.Fuzz(func(t *testing.T, s string) {
		id, idx, ok := parseAlertToken(s)
		if !ok {
			return
		}
		if id == 0 || id > 1<<32-1 {
			t.Fatalf("id %d from %q", id, s)
		}
		_ = idx
	})
}

func FuzzStripAlertTag(f *testing.F) {
	for _, s := range []string{"Call #alert", "#ALERT", "x#alert#alert", "é#alerté", "#alert\u00a0now"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, ok := StripAlertTag(s)
		if !ok && out != s {
			t.Fatalf("no tag, but %q became %q", s, out)
		}
		if again, ok2 := StripAlertTag(out); ok && ok2 && again == out {
			t.Fatalf("stripping did not change %q", out)
		}
	})
}

// TestAlertFromADoorAndFromHeld: a door's alert box (PostOptions.Alert)
// makes a moderator's post an alert without the tag, and nobody else's;
// a held #alert post approved later goes out as an alert.
func TestAlertFromADoorAndFromHeld(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("talk", "discussion", map[string]string{"mod@example.org": "moderator", "mem@example.org": "member"})
	env := Envelope{From: "mod@example.org", RemoteAddr: "127.0.0.1:40000", Helo: "mx.example.net"}
	if err := e.svc.ReceivePostWith(bg, env, "talk", []byte(msg("Mod <mod@example.org>", "talk@lists.example.org", "Rally on Sunday", "Be there.")), PostOptions{Alert: true}); err != nil {
		t.Fatal(err)
	}
	env.From = "mem@example.org"
	if err := e.svc.ReceivePostWith(bg, env, "talk", []byte(msg("Mem <mem@example.org>", "talk@lists.example.org", "Me too", "Count me in.")), PostOptions{Alert: true}); err != nil {
		t.Fatal(err)
	}
	alerts, err := e.svc.ListAlerts(bg, op, "talk")
	if err != nil || len(alerts) != 1 || alerts[0].Subject != "Rally on Sunday" || alerts[0].Recipients != 2 {
		t.Fatalf("alerts %+v, %v", alerts, err)
	}

	if _, err := e.svc.SetList(bg, op, "talk", []string{"emergency=true"}); err != nil {
		t.Fatal(err)
	}
	e.send("mod@example.org", "talk@lists.example.org", msg("Mod <mod@example.org>", "talk@lists.example.org", "Call now #alert", "Now."))
	held, err := e.svc.HeldItems(bg, op, "talk")
	if err != nil || len(held) != 1 {
		t.Fatalf("held %+v, %v", held, err)
	}
	if _, err := e.svc.Decide(bg, op, "talk", held[0].ID, DecideApprove, ""); err != nil {
		t.Fatal(err)
	}
	if alerts, _ = e.svc.ListAlerts(bg, op, "talk"); len(alerts) != 2 || alerts[0].Subject != "Call now" {
		t.Errorf("after approval: %+v", alerts)
	}
}
