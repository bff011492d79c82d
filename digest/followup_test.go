package digest

import (
	"minyan/listserv/testkit"

	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"minyan/listserv"
	"minyan/store"
)

var reFeedbackReplyTo = regexp.MustCompile(`Reply-To: <(circle-confirm\+[a-z2-7]{32}@lists\.example\.org)>`)

// A three-day convening with two seats: "still coming?" goes to the two
// registered, one says no and the waitlisted one gets the seat; the
// organizers mark attendance; the feedback mail goes to those present
// and its answer lands in the CSV.
func TestEventFollowThrough(t *testing.T) {
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"session_digest_before=0", "reminder_offsets=", "confirm_before=72h", "feedback_after=24h"},
		"fay@example.net:owner::Fay", "ann@example.net", "ben@example.net:member:each:Ben Núñez", "cy@example.net:member:each:שרה כהן", "dee@example.net")
	s := e.addSession(AddRequest{List: "circle", Zone: "America/New_York", Start: "2026-11-20", AllDay: true, Duration: 72 * time.Hour, Seats: 2, Topic: "Convening"})[0]
	e.run(t0)
	to := replyTo(t, e.ofKind(kindAnnounce)[0])
	for i, a := range []string{"ann@example.net", "ben@example.net", "cy@example.net"} {
		e.clock.Set(t0.Add(time.Duration(i+1) * time.Minute))
		e.mailReply(a, to[a], "yes")
	}
	if r, _ := standings(t, e, s.ID); r.Registered != 2 || r.Waitlisted != 1 {
		t.Fatalf("registered %d, waitlisted %d", r.Registered, r.Waitlisted)
	}
	ny, _ := time.LoadLocation("America/New_York")
	due := time.Date(2026, 11, 17, 0, 0, 0, 0, ny)
	e.run(due.Add(-time.Minute))
	if n := len(e.ofKind(kindStillComing)); n != 0 {
		t.Fatalf("still-coming sent early: %d", n)
	}
	e.run(due)
	sc := e.ofKind(kindStillComing)
	if len(sc) != 1 || strings.Join(sc[0].addrs(), ",") != "ann@example.net,ben@example.net" {
		t.Fatalf("still coming: %+v", sc)
	}
	if txt := textOf(t, sc[0].Raw); !strings.Contains(txt, "Are you still coming?") || !strings.Contains(txt, "https://lists.example.org/lists/circle") {
		t.Errorf("still-coming text:\n%s", txt)
	}
	e.run(due.Add(time.Hour)) // not twice
	if n := len(e.ofKind(kindStillComing)); n != 1 {
		t.Errorf("still-coming sent %d times", n)
	}
	// ann says no: cy gets the seat and is told.
	e.mailReply("ann@example.net", replyTo(t, sc[0])["ann@example.net"], "no, sorry")
	_, by := standings(t, e, s.ID)
	if by["cy@example.net"].Standing != StandingRegistered || by["ann@example.net"].Standing != StandingDeclined {
		t.Fatalf("after ann's no: %+v", by)
	}
	if notes := e.noticesTo("cy@example.net"); len(notes) == 0 {
		t.Error("cy was not told of the seat")
	}
	// cy reads Hebrew: her certificate is in Hebrew, right to left.
	he := listserv.LangHebrew
	if _, err := e.svc.SetProfile(context.Background(), listserv.Person("cy@example.net", listserv.DoorWeb), "cy@example.net", listserv.ProfileChange{Lang: &he}); err != nil {
		t.Fatal(err)
	}
	// Attendance: ben and cy; dee never registered for a seated event.
	e.clock.Set(time.Date(2026, 11, 22, 18, 0, 0, 0, ny))
	res, err := e.s.Attend(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", s.ID, []string{"ben@example.net", "CY@example.net", "dee@example.net", "zed@example.net"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Marked, ",") != "ben@example.net,cy@example.net" || res.Refused["dee@example.net"].IsZero() || res.Refused["zed@example.net"].IsZero() {
		t.Fatalf("attend: %+v", res)
	}
	// Certificates: mailed to the two marked present, at their page for
	// them only.
	for _, who := range []struct{ addr, name, heading string }{{"ben@example.net", "Ben Núñez", "Certificate of completion"}, {"cy@example.net", "שרה כהן", "תעודת סיום"}} {
		var cert []queuedMail
		for _, q := range e.ofKind("notice") {
			if q.addrs()[0] == who.addr && strings.Contains(string(q.Raw), "certificate.pdf") {
				cert = append(cert, q)
			}
		}
		if len(cert) != 1 || !strings.Contains(string(cert[0].Raw), "Content-Type: application/pdf") {
			t.Fatalf("certificate mails to %s: %d", who.addr, len(cert))
		}
		pdf, err := e.s.Certificate(context.Background(), listserv.Person(who.addr, listserv.DoorWeb), "circle", s.ID)
		if err != nil {
			t.Fatal(err)
		}
		text := testkit.PDFText(t, pdf)
		for _, want := range []string{who.heading, who.name, "Convening", "Study Circle"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s's certificate lacks %q:\n%s", who.addr, want, text)
			}
		}
	}
	for _, a := range []listserv.Actor{listserv.Person("ann@example.net", listserv.DoorWeb), listserv.Person("dee@example.net", listserv.DoorWeb), listserv.Anonymous(listserv.DoorWeb), listserv.Person("fay@example.net", listserv.DoorWeb)} {
		if _, err := e.s.Certificate(context.Background(), a, "circle", s.ID); !errors.Is(err, listserv.ErrNotFound) {
			t.Errorf("certificate for %s: %v, want not found", a, err)
		}
	}
	if _, err := e.s.Certificate(context.Background(), listserv.Person("ben@example.net", listserv.DoorWeb), "circle", s.ID+1); !errors.Is(err, listserv.ErrNotFound) {
		t.Errorf("certificate of another session: %v", err)
	}
	// Marking again mails nothing more.
	before := len(e.ofKind("notice"))
	if _, err := e.s.Attend(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", s.ID, []string{"ben@example.net"}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.ofKind("notice")); n != before {
		t.Errorf("marking again queued %d more notices", n-before)
	}
	if _, err := e.s.Attend(context.Background(), listserv.Person("ann@example.net", listserv.DoorWeb), "circle", s.ID, []string{"ann@example.net"}); err == nil {
		t.Error("a member marked attendance")
	}
	// Feedback, 24h after the end (the end of the third day).
	fbDue := time.Date(2026, 11, 24, 0, 0, 0, 0, ny)
	e.run(fbDue)
	fb := e.ofKind(kindFeedback)
	if len(fb) != 2 {
		t.Fatalf("feedback mails: %+v", fb)
	}
	var benTo string
	for _, q := range fb {
		if q.addrs()[0] == "ben@example.net" {
			m := reFeedbackReplyTo.FindSubmatch(q.Raw)
			if m == nil {
				t.Fatalf("no Reply-To in feedback:\n%s", q.Raw)
			}
			benTo = string(m[1])
		}
	}
	e.mailReply("ben@example.net", benTo, "Hmm, no number here")
	e.mailReply("ben@example.net", benTo, "4 - great days, too short")
	out, err := e.s.ExportRegistrations(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", s.ID)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range rows[1:] {
		got[r[0]] = r[len(r)-3:]
	}
	if b := got["ben@example.net"]; len(b) < 3 || b[0] == "" || b[1] != "4" || b[2] != "great days, too short" {
		t.Errorf("ben's row: %q\n%s", b, out)
	}
	if c := got["cy@example.net"]; c[0] == "" || c[1] != "" {
		t.Errorf("cy's row: %q", c)
	}
	if a := got["ann@example.net"]; a[0] != "" {
		t.Errorf("ann's row: %q", a)
	}
}

func TestParseFeedback(t *testing.T) {
	for _, c := range []struct {
		in      string
		rating  int
		comment string
	}{
		{"5", 5, ""},
		{"5.", 5, ""},
		{"I'd say 3, the food was cold", 3, "I'd say the food was cold"},
		{"10 out of 10", 0, "10 out of 10"},
		{"", 0, ""},
	} {
		r, cm := ParseFeedback(strings.Split(c.in, "\n"))
		if r != c.rating || cm != c.comment {
			t.Errorf("%q: %d %q, want %d %q", c.in, r, cm, c.rating, c.comment)
		}
	}
}

// FuzzParseFeedback: any reply reads without a crash, a rating is 0 or
// 1-5, and the comment is valid UTF-8 when the reply was.
func FuzzParseFeedback(f *testing.F) {
	for _, s := range []string{"5", "4 - good\nmore", "", "３", "1 2 3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, c := ParseFeedback(strings.Split(s, "\n"))
		if r < 0 || r > 5 {
			t.Fatalf("rating %d", r)
		}
		if utf8.ValidString(s) && !utf8.ValidString(c) {
			t.Fatalf("comment %q is not UTF-8", c)
		}
	})
}

// NAME-sID@ reaches only the people registered for the session, from
// 48 hours before it starts, and only members may write.
func TestSessionConversation(t *testing.T) {
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"session_digest_before=0", "reminder_offsets=", "timezone=UTC"},
		"fay@example.net:owner", "ann@example.net", "ben@example.net", "cy@example.net", "dee@example.net")
	s := e.addSession(AddRequest{List: "circle", Zone: "UTC", Start: "2026-11-20 10:00", Duration: 2 * time.Hour, Seats: 2, Topic: "Convening"})[0]
	e.run(t0)
	to := replyTo(t, e.ofKind(kindAnnounce)[0])
	for _, a := range []string{"ann@example.net", "ben@example.net", "cy@example.net"} {
		e.mailReply(a, to[a], "yes")
	}
	addr := fmt.Sprintf("circle-s%d@%s", s.ID, domain)
	if err := e.svc.CheckRecipient(addr); err != nil {
		t.Fatalf("RCPT %s: %v", addr, err)
	}
	if err := e.svc.CheckRecipient(fmt.Sprintf("circle-s%d@%s", s.ID+1, domain)); err == nil {
		t.Error("RCPT of a session that does not exist was accepted")
	}
	if err := listserv.ValidListName("class-s12"); err == nil {
		t.Error("a list name ending in -s12 was accepted")
	}
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	posts := func() int { return len(e.ofKind("post")) }
	// Too early: refused with the reason, nothing archived or sent.
	e.clock.Set(start.Add(-49 * time.Hour))
	e.mailReply("dee@example.net", addr, "Who is bringing the urn?")
	if posts() != 0 {
		t.Fatal("a post before the conversation opened went out")
	}
	if n := e.noticesTo("dee@example.net"); len(n) != 1 || !strings.Contains(n[0], "opens 48 hours before") {
		t.Errorf("dee's early answer: %q", n)
	}
	// Open: dee (a member, not registered) writes; ann and ben get it,
	// cy (waitlisted) and the others do not.
	e.clock.Set(start.Add(-47 * time.Hour))
	e.mailReply("dee@example.net", addr, "Who is bringing the urn?")
	ps := e.ofKind("post")
	if len(ps) != 1 || strings.Join(ps[0].addrs(), ",") != "ann@example.net,ben@example.net" {
		t.Fatalf("session post went to %+v", ps)
	}
	var archived int
	e.st.View(func(tx *store.Tx) error { archived, _, _ = tx.ArchiveStats("circle"); return nil })
	if archived != 1 {
		t.Errorf("archived %d, want the one post", archived)
	}
	// Not a member: refused.
	raw := "From: <zed@example.com>\r\nTo: <" + addr + ">\r\nSubject: hi\r\nMessage-ID: <z1@example.com>\r\n\r\nhello\r\n"
	e.svc.Receive(context.Background(), listserv.Envelope{From: "zed@example.com", Rcpts: []string{addr}, RemoteAddr: "127.0.0.1:1"}, []byte(raw))
	if len(e.ofKind("post")) != 1 {
		t.Error("a non-member's post to the session went out")
	}
}
