package main

import (
	"minyan/listserv/testkit"

	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"minyan/listserv/smtpsink"
	"minyan/store"
)

// sinkMails are the messages the relay sink got for rcpt whose raw text
// contains sub.
func sinkMails(sink *smtpsink.Sink, rcpt, sub string) []smtpsink.Message {
	var out []smtpsink.Message
	for _, m := range sink.Messages() {
		for _, r := range m.Rcpts {
			if r == rcpt && strings.Contains(string(m.Data), sub) {
				out = append(out, m)
			}
		}
	}
	return out
}

// decodedText is a message's text with quoted-printable undone.
func decodedText(raw []byte) string {
	b, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
	return string(b)
}

// pdfAttachment is the first application/pdf part of a message.
func pdfAttachment(t *testing.T, raw []byte) []byte {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("no PDF part: %v", err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "application/pdf") {
			b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
}

// rawPost is a plain message with a Message-ID of its own.
func rawPost(from, to, subject, body string) string {
	return "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + store.NewToken() + "@example.net>\r\n" +
		"Date: " + time.Now().UTC().Format(time.RFC1123Z) + "\r\n\r\n" + body + "\r\n"
}

var (
	loginPathRE   = regexp.MustCompile(`/login/[a-z2-7]{32}`)
	confirmPathRE = regexp.MustCompile(`/confirm/[a-z2-7]{32}`)
)

// binarySignIn signs addr in on the binary's web face by the mailed link.
func binarySignIn(t *testing.T, e *e2e, sink *smtpsink.Sink, addr string) *webClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	w := &webClient{t: t, base: "http://" + e.http, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	before := len(sinkMails(sink, addr, "/login/"))
	if code, _ := w.post("/login", url.Values{"email": {addr}}); code != 200 {
		t.Fatalf("POST /login: %d", code)
	}
	var link string
	waitFor(t, "the sign-in mail to "+addr, func() bool {
		ms := sinkMails(sink, addr, "/login/")
		if len(ms) <= before {
			return false
		}
		link = loginPathRE.FindString(decodedText(ms[len(ms)-1].Data))
		return link != ""
	})
	if code, body := w.post(link, url.Values{}); code != 200 || !strings.Contains(body, "My lists") {
		t.Fatalf("POST %s: %d %s", link, code, body)
	}
	return w
}

// TestEndToEndCohortAndEvent is issue 23 through the built binary, with
// the clock shortened by dates in the past: a community ends (across a
// kill -9, once), its members become alumni who still read the archive,
// a later post gets the kind note and is not distributed, `cohort next`
// invites the waitlist in order; a three-day event with two seats asks
// "still coming?", a no promotes the waitlisted one, attendance is
// marked and the certificate (a Hebrew name too) is mailed and served
// to the attendee only.
func TestEndToEndCohortAndEvent(t *testing.T) {
	t.Parallel()
	sink, err := smtpsink.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	e := newE2E(t, sink.Addr)
	e.start()
	e.runWhenUp("list", "create", "--kind", "community", "--title", "Circle", "circle")
	e.mustRun("member", "add", "--role", "owner", "circle", "own@example.net")
	e.mustRun("member", "add", "circle", "ann@example.net", "bob@example.net")
	e.mustRun("list", "set", "circle", "capacity=2", "timezone=UTC", "archive=members")
	e.mustRun("member", "add", "circle", "wl1@example.net")
	e.mustRun("member", "add", "circle", "wl2@example.net")
	if ls := e.mustRun("member", "ls", "circle"); !strings.Contains(ls, "wl1@example.net") || strings.Count(ls, "waitlist") != 2 {
		t.Fatalf("member ls:\n%s", ls)
	}
	// A post while the cohort runs reaches bob.
	if err := sendSMTP(e.smtp, false, "ann@example.net", []string{"circle@lists.example.org"},
		rawPost("Ann <ann@example.net>", "circle@lists.example.org", "Our chevruta notes", "Here is what we read.")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the post to reach bob", func() bool { return len(sinkMails(sink, "bob@example.net", "Our chevruta notes")) == 1 })

	if out := e.mustRun("pairs", "make", "circle"); !strings.Contains(out, "ann@example.net") || !strings.Contains(out, "bob@example.net") {
		t.Fatalf("pairs make: %q", out)
	}
	// The cohort's last day was yesterday; the restart's catch-up pass
	// ends it before the admin socket opens, and a second restart does
	// not end it again.
	yesterday := time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02")
	e.mustRun("list", "set", "circle", "cohort_end="+yesterday)
	e.kill9()
	e.start()
	if ls := e.runWhenUp("member", "ls", "circle"); strings.Count(ls, "\talumni") != 2 {
		t.Fatalf("after the end, member ls:\n%s", ls)
	}
	e.stop()
	e.start()
	e.runWhenUp("list", "show", "circle")

	// The harvest mail reached the pair; ann's answer with a link is on
	// the hub under #harvest, credited to both.
	harvestRE := regexp.MustCompile(`Reply-To: <?(circle-harvest\+[a-z2-7]{32}@lists\.example\.org)>?`)
	var harvestTo string
	waitFor(t, "the harvest mail", func() bool {
		ms := sinkMails(sink, "ann@example.net", "What did your pair make?")
		if len(ms) == 1 {
			if m := harvestRE.FindSubmatch(ms[0].Data); m != nil {
				harvestTo = string(m[1])
			}
		}
		return harvestTo != ""
	})
	if err := sendSMTP(e.smtp, false, "ann@example.net", []string{harvestTo},
		rawPost("Ann <ann@example.net>", harvestTo, "Re: [circle] What did your pair make?", "Our study guide: https://example.org/guide")); err != nil {
		t.Fatal(err)
	}
	if err := sendSMTP(e.smtp, false, "ann@example.net", []string{harvestTo},
		rawPost("Ann <ann@example.net>", harvestTo, "again", "https://example.org/again")); smtpCode(err) != 550 {
		t.Errorf("a spent harvest address: %v, want 550", err)
	}

	// A later post: the kind note to ann, nothing to bob.
	if err := sendSMTP(e.smtp, false, "ann@example.net", []string{"circle@lists.example.org"},
		rawPost("Ann <ann@example.net>", "circle@lists.example.org", "One more thing", "After the end.")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the kind note to ann", func() bool { return len(sinkMails(sink, "ann@example.net", "has finished")) == 1 })
	waitFor(t, "the queue to drain", func() bool { out, err := e.run("queue", "ls"); return err == nil && strings.TrimSpace(out) == "" })
	if n := len(sinkMails(sink, "bob@example.net", "One more thing")); n != 0 {
		t.Errorf("a post after the end reached bob %d times", n)
	}
	if note := decodedText(sinkMails(sink, "ann@example.net", "has finished")[0].Data); !strings.Contains(note, "finished on "+yesterday) {
		t.Errorf("kind note:\n%s", note)
	}
	// ann still reads the archive, and the list page says it finished.
	ann := binarySignIn(t, e, sink, "ann@example.net")
	if code, page := ann.get("/lists/circle"); code != 200 || !strings.Contains(page, "This cohort finished on "+yesterday) {
		t.Errorf("list page: %d\n%s", code, page)
	}
	if code, page := ann.get("/lists/circle/archive"); code != 200 || !strings.Contains(page, "Our chevruta notes") {
		t.Errorf("archive for an alumna: %d\n%s", code, page)
	}

	waitFor(t, "the harvest on the hub", func() bool {
		code, page := ann.get("/resources?tag=harvest")
		return code == 200 && strings.Contains(page, "example.org/guide")
	})
	_, hub := ann.get("/resources?tag=harvest")
	credit := regexp.MustCompile(`#harvest What we made \(([^)]*)\)`).FindStringSubmatch(hub)
	if credit == nil || !strings.Contains(credit[1], "ann") || !strings.Contains(credit[1], "bob") || strings.Contains(credit[1], "@") {
		t.Errorf("the hub entry does not credit the pair by name: %q\n%s", credit, hub)
	}

	// The next cohort invites the waitlist in order; wl1 confirms.
	if out := e.mustRun("cohort", "next", "--title", "Circle II", "circle", "circle2"); out != "created list circle2 (community)\ninvited wl1@example.net\ninvited wl2@example.net\n" {
		t.Fatalf("cohort next said %q", out)
	}
	var confirm string
	waitFor(t, "the invitation to wl1", func() bool {
		ms := sinkMails(sink, "wl1@example.net", "A place in Circle II")
		if len(ms) == 1 {
			confirm = confirmPathRE.FindString(decodedText(ms[0].Data))
		}
		return confirm != ""
	})
	waitFor(t, "the invitation to wl2", func() bool { return len(sinkMails(sink, "wl2@example.net", "A place in Circle II")) == 1 })
	anon := &webClient{t: t, base: "http://" + e.http, c: &http.Client{Timeout: 30 * time.Second}}
	if code, page := anon.post(confirm, url.Values{}); code != 200 {
		t.Fatalf("confirming: %d\n%s", code, page)
	}
	if ls := e.mustRun("member", "ls", "circle2"); !strings.Contains(ls, "wl1@example.net") || !strings.Contains(ls, "own@example.net") {
		t.Errorf("circle2 members:\n%s", ls)
	}
	if code, page := ann.get("/lists/circle"); code != 200 || !strings.Contains(page, `href="/lists/circle2"`) {
		t.Errorf("the finished list does not link to the next: %d", code)
	}

	// A three-day event with two seats, two days ahead.
	e.mustRun("list", "create", "--kind", "community", "--title", "Convening", "conv")
	e.mustRun("member", "add", "conv", "a@example.net", "b@example.net", "c@example.net")
	e.mustRun("person", "set", "--name", "Bea Núñez", "b@example.net")
	e.mustRun("person", "set", "--name", "שרה כהן", "c@example.net")
	e.mustRun("list", "set", "conv", "timezone=UTC", "reminder_offsets=", "session_digest_before=0")
	start := time.Now().UTC().AddDate(0, 0, 2).Format("2006-01-02")
	e.mustRun("session", "add", "--all-day", "--duration", "72h", "--seats", "2", "--topic", "Convening", "--start", start, "conv")
	replyRE := regexp.MustCompile(`Reply-To: <(conv-confirm\+[a-z2-7]{32}@lists\.example\.org)>`)
	rsvpTo := func(addr, subject string) string {
		var to string
		waitFor(t, subject+" to "+addr, func() bool {
			ms := sinkMails(sink, addr, subject)
			if len(ms) > 0 {
				if m := replyRE.FindSubmatch(ms[len(ms)-1].Data); m != nil {
					to = string(m[1])
				}
			}
			return to != ""
		})
		return to
	}
	for _, who := range []string{"a@example.net", "b@example.net", "c@example.net"} {
		to := rsvpTo(who, "Registration")
		if err := sendSMTP(e.smtp, false, who, []string{to}, rawPost(who, to, "Re: Registration", "yes")); err != nil {
			t.Fatal(err)
		}
	}
	// "Still coming?" is due at once (72h before a start two days away);
	// the restart's catch-up sends it to the two registered.
	e.mustRun("list", "set", "conv", "confirm_before=72h")
	e.kill9()
	e.start()
	e.runWhenUp("list", "show", "conv")
	toA := rsvpTo("a@example.net", "Are you still coming?")
	rsvpTo("b@example.net", "Are you still coming?")
	if n := len(sinkMails(sink, "c@example.net", "Are you still coming?")); n != 0 {
		t.Errorf("the waitlisted one was asked %d times", n)
	}
	if err := sendSMTP(e.smtp, false, "a@example.net", []string{toA}, rawPost("a@example.net", toA, "Re: Still coming?", "no")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "c's seat", func() bool {
		out, _ := e.run("session", "ls", "--registrations", "conv")
		return strings.Contains(out, "\tc@example.net\t") && strings.Contains(out, "c@example.net\tשרה כהן\tregistered")
	})

	// The session's conversation reaches the registered (b, and c who
	// got the seat), not a, who wrote it and is no longer coming.
	if err := sendSMTP(e.smtp, false, "a@example.net", []string{"conv-s1@lists.example.org"},
		rawPost("a@example.net", "conv-s1@lists.example.org", "Directions to the venue", "Take the second exit.")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the session post to b and c", func() bool {
		return len(sinkMails(sink, "b@example.net", "Directions to the venue")) == 1 && len(sinkMails(sink, "c@example.net", "Directions to the venue")) == 1
	})
	if err := sendSMTP(e.smtp, false, "a@example.net", []string{"conv-s9@lists.example.org"},
		rawPost("a@example.net", "conv-s9@lists.example.org", "Nowhere", "x")); smtpCode(err) != 550 {
		t.Errorf("a session that does not exist: %v, want 550", err)
	}

	// Attendance for b and c: certificates by mail and on the web.
	if out := e.mustRun("session", "attend", "conv", "1", "b@example.net", "c@example.net"); out != "attended b@example.net\nattended c@example.net\n" {
		t.Fatalf("session attend said %q", out)
	}
	for who, name := range map[string]string{"b@example.net": "Bea Núñez", "c@example.net": "שרה כהן"} {
		waitFor(t, "the certificate to "+who, func() bool { return len(sinkMails(sink, who, "certificate.pdf")) == 1 })
		if text := testkit.PDFText(t, pdfAttachment(t, sinkMails(sink, who, "certificate.pdf")[0].Data)); !strings.Contains(text, name) || !strings.Contains(text, "Convening") {
			t.Errorf("mailed certificate of %s:\n%s", who, text)
		}
	}
	b := binarySignIn(t, e, sink, "b@example.net")
	code, pdf := b.get("/me/certificates/conv/1.pdf")
	if code != 200 || !strings.Contains(testkit.PDFText(t, []byte(pdf)), "Bea Núñez") {
		t.Errorf("b's certificate: %d", code)
	}
	a := binarySignIn(t, e, sink, "a@example.net")
	if code, _ := a.get("/me/certificates/conv/1.pdf"); code != 404 {
		t.Errorf("a's certificate: %d, want 404", code)
	}
	if code, _ := anon.get("/me/certificates/conv/1.pdf"); code != 404 {
		t.Errorf("anonymous certificate: %d, want 404", code)
	}
	waitFor(t, "the queue to drain", func() bool { out, err := e.run("queue", "ls"); return err == nil && strings.TrimSpace(out) == "" })
	if n := len(sinkMails(sink, "a@example.net", "Directions to the venue")); n != 0 {
		t.Errorf("the session post reached a, who is not registered (%d)", n)
	}
	if csv := e.mustRun("session", "export", "conv", "1"); !strings.Contains(csv, ",attended,rating,comment\n") ||
		!regexp.MustCompile(`(?m)^b@example\.net,Bea Núñez,registered,,[^,]+,[0-9T:-]+Z,,$`).MatchString(csv) ||
		!regexp.MustCompile(`(?m)^a@example\.net,,declined,,[^,]+,,,$`).MatchString(csv) {
		t.Errorf("export:\n%s", csv)
	}
}
