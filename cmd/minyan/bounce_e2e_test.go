package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"minyan/listserv/smtpsink"
)

// memberStatus reads a member's status as `minyan member ls` shows it.
func memberStatus(t *testing.T, e *testEnv, list, addr string) string {
	t.Helper()
	ms, err := e.srv.App.Svc.Members(list)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Address == addr {
			return string(m.Status)
		}
	}
	t.Fatalf("%s is not a member of %s", addr, list)
	return ""
}

// copiesTo returns the messages the relay accepted for rcpt whose
// subject contains subj.
func copiesTo(e *testEnv, rcpt, subj string) []smtpsink.Message {
	var out []smtpsink.Message
	for _, m := range e.sink.Messages() {
		for _, r := range m.Rcpts {
			if r == rcpt && strings.Contains(string(m.Data), subj) {
				out = append(out, m)
			}
		}
	}
	return out
}

// postAndWait sends a post from alice and waits until the relay has n
// more recipients.
func postAndWait(t *testing.T, e *testEnv, subject string, n int64) {
	t.Helper()
	before := e.sink.Delivered()
	if err := e.send("alice@example.net", []string{"team@lists.example.org"}, post("alice@example.net", "team@lists.example.org", subject, "Let us plan.")); err != nil {
		t.Fatal(err)
	}
	if !e.sink.WaitDelivered(before+n, 20*time.Second) {
		t.Fatalf("%s: delivered %d of %d", subject, e.sink.Delivered()-before, n)
	}
}

// dsn is a Postfix-style RFC 3464 report about rcpt.
func dsn(rcpt, status, diag string) string {
	return "From: MAILER-DAEMON@mx.example.net (Mail Delivery System)\n" +
		"To: team-bounces@lists.example.org\nSubject: Undelivered Mail Returned to Sender\nAuto-Submitted: auto-replied\n" +
		"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"R\"\n\n" +
		"--R\nContent-Type: text/plain\n\nThis is the mail system at host mx.example.net.\n\n<" + rcpt + ">: " + diag + "\n\n" +
		"--R\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n" +
		"Final-Recipient: rfc822; " + rcpt + "\nAction: failed\nStatus: " + status + "\nDiagnostic-Code: smtp; " + diag + "\n\n" +
		"--R\nContent-Type: text/rfc822-headers\n\nFrom: alice@example.net\nSubject: [team] x\nList-Id: <team.lists.example.org>\n\n--R--\n"
}

// TestBounceDisablesThenProbeReenables: DSNs to a member's VERP address
// on five days disable delivery; the member and the owner are told; the
// member gets no posts; three days later a probe goes out, the relay
// accepts it, and posts flow again. Bounces never reach the list.
func TestBounceDisablesThenProbeReenables(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{
		"alice@example.net": "member", "dana@example.net": "member", "olive@example.net": "owner",
	})
	for day := 1; day <= 5; day++ {
		subject := "plan day " + strconv.Itoa(day)
		postAndWait(t, e, subject, 3)
		copies := copiesTo(e, "dana@example.net", subject)
		if len(copies) != 1 {
			t.Fatalf("%s: %d copies to dana", subject, len(copies))
		}
		verp := copies[0].From
		if !strings.HasPrefix(verp, "team-bounces+") {
			t.Fatalf("envelope sender %q is not VERP", verp)
		}
		// A DSN, and on the first day also an out-of-office reply and
		// a delay warning, which must not count.
		if err := e.send("", []string{verp}, dsn("dana@example.net", "5.1.1", "550 5.1.1 <dana@example.net>: Recipient address rejected: User unknown")); err != nil {
			t.Fatalf("DSN refused: %v", err)
		}
		if day == 1 {
			ooo := "From: Dana <dana@example.net>\nTo: " + verp + "\nSubject: Automatic reply: [team] " + subject + "\nAuto-Submitted: auto-replied\n\nI am out of the office.\n"
			delayed := strings.Replace(strings.Replace(dsn("dana@example.net", "4.4.1", "connection timed out"), "Action: failed", "Action: delayed", 1), "5.1.1", "4.4.1", -1)
			for _, m := range []string{ooo, delayed} {
				if err := e.send("", []string{verp}, m); err != nil {
					t.Fatal(err)
				}
			}
		}
		want := "bouncing"
		if day == 5 {
			want = "disabled"
		}
		if got := memberStatus(t, e, "team", "dana@example.net"); got != want {
			t.Fatalf("day %d: dana is %s, want %s", day, got, want)
		}
		e.advance(25 * time.Hour)
	}
	waitFor(t, "the notices", func() bool {
		return len(copiesTo(e, "dana@example.net", "to you is paused")) == 1 &&
			len(copiesTo(e, "olive@example.net", "delivery to dana@example.net paused")) == 1
	})
	if n, _, _ := archiveCount(e, "team"); n != 5 {
		t.Fatalf("archive holds %d posts; bounces must never reach the list", n)
	}

	// Disabled: the next post goes to alice and olive only.
	postAndWait(t, e, "while disabled", 2)
	e.drained()
	if c := copiesTo(e, "dana@example.net", "while disabled"); len(c) != 0 {
		t.Fatal("a disabled member got a post")
	}

	// Three days after disabling, maintenance sends a probe; the relay
	// accepts it and delivery is re-enabled.
	e.advance(48 * time.Hour) // 25h already passed since the 5th bounce
	if err := e.srv.App.Svc.Maintain(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.srv.outbox.Wake()
	waitFor(t, "the probe", func() bool { return len(copiesTo(e, "dana@example.net", "Checking your address")) == 1 })
	probe := copiesTo(e, "dana@example.net", "Checking your address")[0]
	if !strings.HasPrefix(probe.From, "team-bounces+") || probe.From == copiesTo(e, "dana@example.net", "plan day 1")[0].From {
		t.Errorf("probe envelope sender %q: want a VERP address of its own", probe.From)
	}
	waitFor(t, "re-enabled", func() bool { return memberStatus(t, e, "team", "dana@example.net") == "ok" })
	postAndWait(t, e, "welcome back", 3)
	if c := copiesTo(e, "dana@example.net", "welcome back"); len(c) != 1 {
		t.Fatal("re-enabled member got no post")
	}
}

// TestRelay5xxCountsAsBounce: the relay's own 5xx to RCPT counts (one
// per day); a 5.7.1 policy refusal does not.
func TestRelay5xxCountsAsBounce(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{
		"alice@example.net": "member", "gone@example.net": "member", "picky@example.net": "member", "olive@example.net": "owner",
	}, "bounce_score_threshold=3")
	e.sink.OnRcpt(func(rcpt string) *smtpError {
		switch rcpt {
		case "gone@example.net":
			return &smtpError{Code: 550, EnhancedCode: [3]int{5, 1, 1}, Message: "no such user"}
		case "picky@example.net":
			return &smtpError{Code: 550, EnhancedCode: [3]int{5, 7, 1}, Message: "message refused by policy"}
		}
		return nil
	})
	for day := 1; day <= 3; day++ {
		postAndWait(t, e, "relay day "+strconv.Itoa(day), 2)
		waitFor(t, "the failures recorded", func() bool {
			return queueState(t, e, "gone@example.net") == "failed" && queueState(t, e, "picky@example.net") == "failed"
		})
		want := "bouncing"
		if day == 3 {
			want = "disabled"
		}
		if got := memberStatus(t, e, "team", "gone@example.net"); got != want {
			t.Fatalf("day %d: gone is %s, want %s", day, got, want)
		}
		if got := memberStatus(t, e, "team", "picky@example.net"); got != "ok" {
			t.Fatalf("day %d: a policy refusal changed picky to %s", day, got)
		}
		e.advance(25 * time.Hour)
	}
	// The owner heard about the disabled member and (once a day) about
	// the policy refusals.
	waitFor(t, "owner notices", func() bool {
		return len(copiesTo(e, "olive@example.net", "delivery to gone@example.net paused")) == 1 &&
			len(copiesTo(e, "olive@example.net", "refused list mail")) == 3
	})
}
