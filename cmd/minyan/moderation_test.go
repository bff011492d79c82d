package main

import (
	"context"
	"minyan/listserv"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"minyan/listserv/smtpsink"
)

// mailTo waits for a message to rcpt whose text contains want, and
// returns it.
func (e *testEnv) mailTo(rcpt, want string) smtpsink.Message {
	e.t.Helper()
	var found smtpsink.Message
	waitFor(e.t, "mail to "+rcpt+" containing "+want, func() bool {
		for _, m := range e.sink.Messages() {
			for _, r := range m.Rcpts {
				if r == rcpt && strings.Contains(string(m.Data), want) {
					found = m
					return true
				}
			}
		}
		return false
	})
	return found
}

// countTo counts messages to rcpt containing want.
func (e *testEnv) countTo(rcpt, want string) int {
	n := 0
	for _, m := range e.sink.Messages() {
		for _, r := range m.Rcpts {
			if r == rcpt && strings.Contains(string(m.Data), want) {
				n++
			}
		}
	}
	return n
}

var replyToRE = regexp.MustCompile(`(?m)^Reply-To: (\S+-confirm\+[a-z2-7]+@\S+)\r?$`)

func replyAddress(t *testing.T, m smtpsink.Message) string {
	t.Helper()
	sm := replyToRE.FindStringSubmatch(string(m.Data))
	if sm == nil {
		t.Fatalf("no confirm Reply-To in:\n%s", m.Data)
	}
	return sm[1]
}

// reply sends a plain reply as a mail client would: the answer on top,
// the notification quoted below.
func (e *testEnv) reply(from, to, subject, answer string) {
	e.t.Helper()
	msg := "From: " + from + "\nTo: " + to + "\nSubject: Re: " + subject + "\nMessage-ID: <" + strings.ReplaceAll(answer, " ", "") + "." + from + ">\n\n" +
		answer + "\n\nOn Mon, Nov 2, 2026 at 10:00 AM minyan wrote:\n> approve   send it\n> discard   drop it\n"
	if err := e.send(from, []string{to}, msg); err != nil {
		e.t.Fatalf("reply from %s: %v", from, err)
	}
}

func TestModerationByReply(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{
		"mem@example.net": "member", "mod@example.net": "moderator", "own@example.net": "owner", "fac@example.net": "facilitator",
	})
	// A non-member's post is held; every moderator is told once.
	if err := e.send("out@example.com", []string{"team@lists.example.org"}, post("Outsider <out@example.com>", "team@lists.example.org", "Job posting", "hello")); err != nil {
		t.Fatal(err)
	}
	note := e.mailTo("mod@example.net", "Held for approval: Job posting")
	if !strings.Contains(string(note.Data), "message/rfc822") || !strings.Contains(string(note.Data), "not a member") {
		t.Fatalf("notification lacks the attachment or the reason:\n%s", note.Data)
	}
	for _, who := range []string{"own@example.net", "fac@example.net"} {
		e.mailTo(who, "Held for approval: Job posting")
	}
	author := e.mailTo("out@example.com", "waiting for a moderator")
	_ = author
	confirm := replyAddress(t, note)

	// A member who is not a moderator replies: refused, nothing happens.
	e.reply("mem@example.net", confirm, "[team] Held for approval: Job posting", "approve")
	e.mailTo("mem@example.net", "is not a moderator")
	if e.countTo("mem@example.net", "Subject: [team] Job posting") != 0 {
		t.Fatal("a non-moderator's approve distributed the post")
	}
	// The moderator approves from a phone, bottom-quoted reply.
	e.reply("mod@example.net", confirm, "[team] Held for approval: Job posting", "Approve")
	e.mailTo("mem@example.net", "Subject: [team] Job posting")
	// Everyone moderating hears who decided.
	e.mailTo("own@example.net", "Approved by mod@example.net")
	// Replaying the same token changes nothing and says who decided.
	e.reply("own@example.net", confirm, "[team] Held for approval: Job posting", "discard")
	e.mailTo("own@example.net", "already handled: approved by mod@example.net")
	if n := e.countTo("mem@example.net", "Subject: [team] Job posting"); n != 1 {
		t.Fatalf("post distributed %d times", n)
	}
}

func TestModerationRejectWithdrawExpire(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{"mem@example.net": "member", "mod@example.net": "moderator", "mod2@example.net": "moderator"},
		"posting=moderated", "hold_remind_after=48h", "hold_expire_after=14d")

	// reject with a reason: the author is told why.
	e.send("mem@example.net", []string{"team@lists.example.org"}, post("mem@example.net", "team@lists.example.org", "First", "x"))
	note := e.mailTo("mod@example.net", "Held for approval: First")
	e.reply("mod@example.net", replyAddress(t, note), "[team] Held for approval: First", "reject please post this on the announce list")
	e.mailTo("mem@example.net", "please post this on the announce list")

	// The author withdraws; moderators see it and a later approve is refused.
	e.send("mem@example.net", []string{"team@lists.example.org"}, post("mem@example.net", "team@lists.example.org", "Second", "x"))
	note = e.mailTo("mod@example.net", "Held for approval: Second")
	authorNote := e.mailTo("mem@example.net", `Your message "Second" to`)
	e.reply("mem@example.net", replyAddress(t, authorNote), "Your message is waiting", "withdraw")
	e.mailTo("mod2@example.net", "Withdrawn by the author")
	e.reply("mod@example.net", replyAddress(t, note), "[team] Held for approval: Second", "approve")
	e.mailTo("mod@example.net", "already handled: withdrawn by the author")

	// Nobody decides: a reminder after 2 days, expiry after 14 with a
	// notice to the author, and then the token is refused.
	e.send("mem@example.net", []string{"team@lists.example.org"}, post("mem@example.net", "team@lists.example.org", "Third", "x"))
	note = e.mailTo("mod@example.net", "Held for approval: Third")
	e.clock.Advance(49 * time.Hour)
	if err := e.srv.App.Svc.Maintain(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.mailTo("mod@example.net", "Still waiting: Held for approval: Third")
	e.clock.Advance(13 * 24 * time.Hour)
	if err := e.srv.App.Svc.Maintain(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.mailTo("mem@example.net", `Your message "Third" to team waited`)
	e.reply("mod@example.net", replyAddress(t, note), "[team] Held for approval: Third", "approve")
	e.mailTo("mod@example.net", "expired, so it can no longer be decided")
	if e.countTo("mod2@example.net", "Subject: [team] Third") != 0 || e.countTo("mod2@example.net", "Subject: [team] Second") != 0 {
		t.Fatal("a withdrawn or expired post was distributed")
	}
}

func TestModeratorsRacing(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{"a@example.net": "moderator", "b@example.net": "moderator", "c@example.net": "member"})
	e.send("x@example.com", []string{"team@lists.example.org"}, post("x@example.com", "team@lists.example.org", "Race", "x"))
	note := e.mailTo("a@example.net", "Held for approval: Race")
	addr := replyAddress(t, note)
	var wg sync.WaitGroup
	for _, r := range []struct{ from, word string }{{"a@example.net", "approve"}, {"b@example.net", "discard"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := "From: " + r.from + "\nTo: " + addr + "\nSubject: Re: race\n\n" + r.word + "\n"
			if err := sendSMTP(e.srv.SMTPAddr, false, r.from, []string{addr}, msg); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// Exactly one decision counted; the other moderator was told.
	waitFor(t, "one 'already handled' answer", func() bool {
		return e.countTo("a@example.net", "already handled")+e.countTo("b@example.net", "already handled") == 1
	})
	held, _ := e.srv.App.Svc.HeldHistory(context.Background(), listserv.Operator(listserv.DoorCLI), "")
	if len(held) != 1 || (held[0].Status != "approved" && held[0].Status != "discarded") {
		t.Fatalf("held = %+v", held)
	}
	if held[0].Status == "approved" {
		// Delivery runs after the decision's commit: wait for it.
		waitFor(t, "the approved post delivered", func() bool { return e.countTo("c@example.net", "Subject: [team] Race") > 0 })
	} else {
		waitFor(t, "the outbound queue to drain", func() bool { return e.srv.App.Store.QueueDepth() == 0 })
	}
	dist := e.countTo("c@example.net", "Subject: [team] Race")
	if (held[0].Status == "approved") != (dist == 1) || dist > 1 {
		t.Fatalf("status %s but distributed %d times", held[0].Status, dist)
	}
}
