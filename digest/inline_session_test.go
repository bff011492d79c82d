package digest

import (
	"context"
	"minyan/listserv"
	"slices"
	"strings"
	"testing"

	"minyan/store"
)

// sessionDigestWeek makes a session digest go out: two sessions, posts
// between them (one HTML-only), and returns the copies of the second
// session's digest.
func sessionDigestWeek(t *testing.T, e *env) []queuedMail {
	t.Helper()
	e.list("circle", "community", []string{"reminder_offsets="},
		"fay@example.net:facilitator::Fay", "alice@example.net::each:Alice", "pat@example.net::digest:Pat")
	if err := e.svc.SetDigestFormat(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", "pat@example.net", store.DigestPlain); err != nil {
		t.Fatal(err)
	}
	e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00", Every: EveryWeekly, Count: 2, Topic: "Teshuvah", Link: "https://meet.example.org/t"})
	e.run(t0)
	e.run(ny(t, "2026-11-03 19:00"))
	before := len(e.ofKind(kindSessionDigest))
	e.archive("circle", "alice@example.net", "Alice", "Reading list", "r1@example.net", "", ny(t, "2026-11-07 10:00"),
		"First line here.\nSecond line.\n\nOn Fri, Bob wrote:\n> old\n")
	e.archiveRaw("circle", store.ArchiveMeta{MessageID: "h1@example.net", From: "fay@example.net", FromName: "Fay",
		Subject: "Snacks", Date: ny(t, "2026-11-08 10:00"), Archived: ny(t, "2026-11-08 10:00")},
		"From: Fay <fay@example.net>\nSubject: Snacks\nMessage-ID: <h1@example.net>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n"+
			`<p>Who brings <b>snacks</b>?</p><script>x()</script><img src="https://t.example/p.gif">`)
	e.run(ny(t, "2026-11-10 19:00"))
	return e.ofKind(kindSessionDigest)[before:]
}

func TestSessionDigestInline(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	copies := sessionDigestWeek(t, e)
	var html, plain []queuedMail
	for _, c := range copies {
		if strings.Contains(structure(t, c.Raw), "text/html") {
			html = append(html, c)
		} else {
			plain = append(plain, c)
		}
	}
	if len(plain) != 1 || !slices.Equal(plain[0].addrs(), []string{"pat@example.net"}) {
		t.Fatalf("plain copies %d", len(plain))
	}
	if s := structure(t, plain[0].Raw); s != "multipart/mixed[multipart/alternative[text/plain,text/calendar],application/ics]" {
		t.Errorf("plain session digest %s", s)
	}
	if len(html) != 2 { // staff and members
		t.Fatalf("%d HTML copies", len(html))
	}
	for _, c := range html {
		if s := structure(t, c.Raw); s != "multipart/mixed[multipart/alternative[text/plain,text/html,text/calendar],application/ics]" {
			t.Errorf("session digest %s", s)
		}
		ps := clientParts(t, c.Raw)
		doc := string(ps["text/html"][0])
		page := visibleText(doc)
		for _, want := range []string{"First line here. Second line.", "Who brings snacks?", "Read “Reading list”", "Reply to “Snacks”"} {
			if !strings.Contains(page, want) {
				t.Errorf("session digest HTML lacks %q:\n%s", want, page)
			}
		}
		if !strings.Contains(doc, `href="https://lists.example.org/lists/circle/m/1"`) {
			t.Error("no link to the thread")
		}
		if bad := htmlProblems(doc); len(bad) > 0 {
			t.Errorf("unsafe HTML: %v", bad)
		}
		text := string(ps["text/plain"][0])
		if !strings.Contains(text, "  | Who brings snacks?") || !strings.Contains(text, "Read: <https://lists.example.org/lists/circle/m/2>") {
			t.Errorf("session digest text:\n%s", text)
		}
	}
}

func TestSessionDigestHTMLInBrowser(t *testing.T) {
	t.Parallel()
	b := openBrowser(t)
	e := newEnv(t, t0)
	for _, c := range sessionDigestWeek(t, e) {
		if docs := clientParts(t, c.Raw)["text/html"]; len(docs) > 0 {
			checkInBrowser(t, b, "session digest to "+c.addrs()[0], string(docs[0]))
		}
	}
}
