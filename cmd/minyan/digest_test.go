package main

import (
	"bytes"
	"context"
	"io"
	"mime"
	"minyan/listserv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
	gomessage "github.com/emersion/go-message"

	"minyan/digest"
	"minyan/listserv/smtpsink"
)

// scheduler is the running daemon's scheduler.
func (e *testEnv) scheduler() *digest.Scheduler {
	e.t.Helper()
	if e.srv.App.Sched == nil {
		e.t.Fatal("the daemon has no scheduler")
	}
	return e.srv.App.Sched
}

// schedule moves the fake clock to at and runs the scheduler's pass
// there, as the daemon's loop would when the time comes.
func (e *testEnv) schedule(at time.Time) {
	e.t.Helper()
	e.clock.Advance(at.Sub(e.clock.Now()))
	if _, err := e.scheduler().RunDue(context.Background(), at); err != nil {
		e.t.Fatal(err)
	}
	e.srv.outbox.Wake()
}

// drain waits until the outbound queue is empty.
func (e *testEnv) drain() {
	e.t.Helper()
	waitFor(e.t, "the outbound queue to drain", func() bool { return e.srv.App.Store.QueueDepth() == 0 })
}

// cli runs an admin command inside the daemon, as the admin socket does.
func (e *testEnv) cli(args ...string) (string, string, int) {
	e.t.Helper()
	var out, errb bytes.Buffer
	code := runCommand(context.Background(), e.srv.App, args, cmdIO{Stdout: &out, Stderr: &errb, Who: "tester"})
	return out.String(), errb.String(), code
}

func (e *testEnv) mustCLI(args ...string) string {
	e.t.Helper()
	out, errs, code := e.cli(args...)
	if code != 0 {
		e.t.Fatalf("minyan %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

// to returns the messages delivered to rcpt.
func (e *testEnv) to(rcpt string) []smtpsink.Message {
	var out []smtpsink.Message
	for _, m := range e.sink.Messages() {
		for _, r := range m.Rcpts {
			if r == rcpt {
				out = append(out, m)
			}
		}
	}
	return out
}

func nyTime(t *testing.T, local string) time.Time {
	t.Helper()
	at, err := digest.Instant("America/New_York", local)
	if err != nil {
		t.Fatal(err)
	}
	return at
}

// mimeLeaves returns the decoded leaves of a message with their media
// types (message/rfc822 parts count as leaves).
func mimeLeaves(t *testing.T, raw []byte) (gomessage.Header, []string, [][]byte, []map[string]string) {
	t.Helper()
	ent, err := gomessage.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("does not parse: %v", err)
	}
	var types []string
	var bodies [][]byte
	var params []map[string]string
	var walk func(e *gomessage.Entity)
	walk = func(e *gomessage.Entity) {
		if mr := e.MultipartReader(); mr != nil {
			for {
				p, err := mr.NextPart()
				if err != nil {
					return
				}
				walk(p)
			}
		}
		ct, ps, _ := mime.ParseMediaType(e.Header.Get("Content-Type"))
		b, _ := io.ReadAll(e.Body)
		types, bodies, params = append(types, ct), append(bodies, b), append(params, ps)
	}
	walk(ent)
	return ent.Header, types, bodies, params
}

// calendarIn parses the text/calendar part of a delivered message.
func calendarIn(t *testing.T, raw []byte) (method string, ev ical.Event) {
	t.Helper()
	_, types, bodies, params := mimeLeaves(t, raw)
	for i, ct := range types {
		if ct != "text/calendar" {
			continue
		}
		cal, err := ical.NewDecoder(bytes.NewReader(bodies[i])).Decode()
		if err != nil {
			t.Fatalf("calendar: %v\n%s", err, bodies[i])
		}
		method, _ = cal.Props.Text(ical.PropMethod)
		if params[i]["method"] != method {
			t.Errorf("Content-Type method=%s, METHOD:%s", params[i]["method"], method)
		}
		return method, cal.Events()[0]
	}
	t.Fatalf("no text/calendar part in\n%s", raw)
	return "", ical.Event{}
}

// A digest member gets no single posts and then one digest holding both.
func TestDigestMemberOverSMTP(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("team", "discussion", map[string]string{
		"alice@example.net": "member", "bob@example.net": "member", "carol@example.net": "owner",
	}, "title=Team Space", "digest_day=monday", "digest_time=08:00")
	if err := e.srv.App.Svc.SetMember(context.Background(), listserv.Operator(listserv.DoorCLI), "team", "bob@example.net", "", "digest"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ from, name, subject string }{
		{"alice@example.net", "Alice", "Curriculum ideas"}, {"carol@example.net", "Carol", "Meeting notes"},
	} {
		msg := post(p.from, "team@lists.example.org", p.subject, "Text of "+p.subject+".")
		if err := e.send(p.from, []string{"team@lists.example.org"}, msg); err != nil {
			t.Fatal(err)
		}
	}
	if !e.sink.WaitDelivered(4, 20*time.Second) {
		t.Fatalf("posts delivered to %d of 4 each-members", e.sink.Delivered())
	}
	e.drain()
	if got := e.to("bob@example.net"); len(got) != 0 {
		t.Fatalf("the digest member got %d single posts", len(got))
	}

	e.schedule(nyTime(t, "2026-11-09 08:00"))
	waitFor(t, "the digest to bob", func() bool { return len(e.to("bob@example.net")) > 0 })
	e.schedule(nyTime(t, "2026-11-09 09:00"))
	e.drain()
	got := e.to("bob@example.net")
	if len(got) != 1 {
		t.Fatalf("bob got %d messages, want one digest", len(got))
	}
	if n := len(e.to("alice@example.net")); n != 2 {
		t.Errorf("alice got %d messages, want the 2 posts and no digest", n)
	}
	h, types, bodies, _ := mimeLeaves(t, got[0].Data)
	if subj, _ := h.Text("Subject"); subj != "[team] Weekly digest, Nov 2–Nov 9, 2026 (2 messages)" {
		t.Errorf("Subject %q", subj)
	}
	if h.Get("List-Id") != `"Team Space" <team.lists.example.org>` || !strings.HasPrefix(h.Get("List-Unsubscribe"), "<http://127.0.0.1:8080/u/") ||
		h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("list headers: List-Id %q, List-Unsubscribe %q", h.Get("List-Id"), h.Get("List-Unsubscribe"))
	}
	if strings.Join(types, ",") != "text/plain,text/html,message/rfc822,message/rfc822" {
		t.Fatalf("parts %v", types)
	}
	toc := string(bodies[0])
	for _, want := range []string{"Curriculum ideas", "Meeting notes", "In-Reply-To=%3CCurriculum.ideas.alice%40example.net%3E", "alice@example.net, Mon Nov 2, 2026 10:00 EST",
		"Text of Curriculum ideas.", "Text of Meeting notes.", "Archive: <http://127.0.0.1:8080/lists/team/m/1>"} {
		if !strings.Contains(toc, want) {
			t.Errorf("text part lacks %q:\n%s", want, toc)
		}
	}
	for _, want := range []string{"Text of Curriculum ideas.", "Text of Meeting notes.", `href="http://127.0.0.1:8080/lists/team/m/2"`, `<html lang="en" dir="ltr">`} {
		if !bytes.Contains(bodies[1], []byte(want)) {
			t.Errorf("HTML part lacks %q:\n%s", want, bodies[1])
		}
	}
	if !bytes.Contains(bodies[2], []byte("Subject: [team] Curriculum ideas")) || !bytes.Contains(bodies[3], []byte("Text of Meeting notes.")) {
		t.Errorf("digest parts are not the posts as distributed:\n%s\n%s", bodies[2], bodies[3])
	}
	if !strings.Contains(string(got[0].Data), "Content-Type: multipart/digest;") {
		t.Error("no multipart/digest")
	}

	// digest send: nothing pending now.
	if out := e.mustCLI("digest", "send", "team"); out != "nothing to send: no posts on team since its last digest\n" {
		t.Errorf("digest send said %q", out)
	}
}
