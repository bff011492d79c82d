package main

import (
	"bytes"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"minyan/listserv/smtpsink"
)

const e2eCaucusTitle = "Quiet Room Caucus"

// sinkText is a relayed message as a person reads it: headers, and the
// body with quoted-printable undone.
func sinkText(m smtpsink.Message) string {
	body, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(m.Data)))
	return string(m.Data) + "\n" + string(body)
}

// e2eSignIn signs addr in on the binary's web pages through the mailed
// link (the skip-th login link to addr).
func e2eSignIn(t *testing.T, sink *smtpsink.Sink, base, addr string, skip int) *webClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	w := &webClient{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
	if code, _ := w.post("/login", url.Values{"email": {addr}}); code != 200 {
		t.Fatalf("POST /login: %d", code)
	}
	var link string
	waitFor(t, "sign-in link to "+addr, func() bool {
		seen := 0
		for _, m := range sink.Messages() {
			if len(m.Rcpts) != 1 || m.Rcpts[0] != addr {
				continue
			}
			if l := linkRE.FindString(sinkText(m)); strings.HasPrefix(l, "/login/") {
				if seen == skip {
					link = l
					return true
				}
				seen++
			}
		}
		return false
	})
	if code, body := w.post(link, url.Values{}); code != 200 || !strings.Contains(body, "My lists") {
		t.Fatalf("POST %s: %d %s", link, code, body)
	}
	return w
}

var personLinkRE = regexp.MustCompile(`href="/people/([a-z2-7]{20})"[^>]*>([^<]+)<`)

// TestPeopleEndToEnd is the acceptance test, through the built
// binary: six opted-in people on three lists (two of them also on a
// caucus together) and one unlisted person; `intros run` mails three
// introductions, each to two people who share no list; a second run
// repeats no pair; the caucus's title is in no mail or page; the
// unlisted person is never shown or found; the third message of a day to
// one person is refused.
func TestPeopleEndToEnd(t *testing.T) {
	t.Parallel()
	sink, err := smtpsink.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	e := newE2E(t, sink.Addr)
	// Rounds only by `intros run` here: the clock's first round would
	// otherwise race with the setup.
	f, _ := os.OpenFile(e.cfg, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("\n[network]\nintros_every = \"0s\"\n")
	f.Close()
	e.start()

	lists := map[string][2]string{"l1": {"a1@example.org", "a2@example.org"}, "l2": {"b1@example.org", "b2@example.org"}, "l3": {"c1@example.org", "c2@example.org"}}
	listOf := map[string]string{}
	for name, people := range lists {
		e.mustRun("list", "create", "--kind", "discussion", "--title", "List "+name, name)
		e.mustRun("member", "add", name, people[0], people[1])
		for i, addr := range people {
			listOf[addr] = name
			e.mustRun("person", "set", "--name", "Person "+strings.ToUpper(addr[:2]), "--region", []string{"Ohio", "Texas"}[i],
				"--roles", "organizer", "--about", "I organize things", "--listed", "true", "--intros", "true", addr)
		}
	}
	e.mustRun("list", "create", "--kind", "caucus", "--title", e2eCaucusTitle, "quiet")
	e.mustRun("member", "add", "quiet", "a1@example.org", "b1@example.org")
	e.mustRun("member", "add", "l1", "hidden@example.org")
	e.mustRun("person", "set", "--name", "Zed Hidden", "--about", "organizer in Ohio", "hidden@example.org")
	apart := func(x, y string) bool {
		if listOf[x] == listOf[y] {
			return false
		}
		return !(x[:2] == "a1" && y[:2] == "b1" || x[:2] == "b1" && y[:2] == "a1")
	}

	seen := map[string]bool{}
	for round := 1; round <= 2; round++ {
		before := len(sink.Messages())
		out := e.mustRun("intros", "run")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if round == 1 && len(lines) != 3 {
			t.Fatalf("round 1 made %d introductions:\n%s", len(lines), out)
		}
		for _, l := range lines {
			ab := strings.Split(l, "\t")
			if len(ab) != 2 || !apart(ab[0], ab[1]) {
				t.Errorf("round %d pair %q shares a list", round, l)
			}
			k := min(ab[0], ab[1]) + " " + max(ab[0], ab[1])
			if seen[k] {
				t.Errorf("round %d repeats %s", round, k)
			}
			seen[k] = true
		}
		waitFor(t, "the introductions to reach the relay", func() bool { return len(sink.Messages()) >= before+len(lines) })
		intros := 0
		for _, m := range sink.Messages()[before:] {
			text := sinkText(m)
			if !strings.Contains(text, "Subject: Introduction") {
				continue
			}
			intros++
			if len(m.Rcpts) != 2 || !apart(m.Rcpts[0], m.Rcpts[1]) || !seen[min(m.Rcpts[0], m.Rcpts[1])+" "+max(m.Rcpts[0], m.Rcpts[1])] {
				t.Errorf("introduction to %v", m.Rcpts)
			}
			if strings.Contains(text, e2eCaucusTitle) || strings.Contains(text, "Zed Hidden") || strings.Contains(text, "List l") {
				t.Errorf("an introduction names a caucus, a list or someone not opted in:\n%s", text)
			}
		}
		if intros != len(lines) {
			t.Errorf("round %d: %d introduction mails for %d pairs", round, intros, len(lines))
		}
	}

	// The directory, as a2 (not on the caucus) and as a1 (on it).
	base := "http://" + e.http
	a2 := e2eSignIn(t, sink, base, "a2@example.org", 0)
	code, page := a2.get("/people")
	if code != 200 {
		t.Fatalf("/people: %d %s", code, page)
	}
	ids := map[string]string{}
	for _, m := range personLinkRE.FindAllStringSubmatch(page, -1) {
		ids[m[2]] = m[1]
	}
	if len(ids) != 6 || ids["Person C1"] == "" {
		t.Fatalf("directory shows %v", ids)
	}
	a1 := e2eSignIn(t, sink, base, "a1@example.org", 0)
	var pages []string
	for _, w := range []*webClient{a1, a2} {
		for _, path := range []string{"/people", "/people?q=ohio", "/people?q=zed", "/people?q=hidden", "/people?q=quiet", "/people?region=ohio", "/people?role=organizer", "/me/profile"} {
			code, body := w.get(path)
			if code != 200 {
				t.Errorf("%s: %d", path, code)
			}
			pages = append(pages, body)
		}
		for _, id := range ids {
			code, body := w.get("/people/" + id)
			if code != 200 {
				t.Errorf("/people/%s: %d", id, code)
			}
			pages = append(pages, body)
		}
	}
	for _, p := range pages {
		if strings.Contains(p, e2eCaucusTitle) || strings.Contains(p, "Zed Hidden") || strings.Contains(p, "/lists/quiet") {
			t.Errorf("a page names the caucus or shows the unlisted person:\n%s", p)
		}
	}
	if _, body := a2.get("/people?q=zed"); !strings.Contains(body, "0 found") {
		t.Errorf("search for the unlisted person: %s", body)
	}

	// Writing to someone: two a day to one person, the third refused.
	c1 := ids["Person C1"]
	before := len(sink.Messages())
	for i, want := range []int{200, 200, 429} {
		code, body := a2.post("/people/"+c1+"/message", url.Values{"body": {"Hello from a2, message " + string(rune('1'+i))}})
		if code != want || (want == 429 && !strings.Contains(body, "Not sent")) {
			t.Errorf("message %d: %d, want %d\n%s", i+1, code, want, body)
		}
	}
	waitFor(t, "two relayed messages", func() bool { return len(sink.Messages()) >= before+2 })
	e.drainedBinary(t)
	relayed := 0
	for _, m := range sink.Messages()[before:] {
		text := sinkText(m)
		if strings.Contains(text, "Hello from a2") {
			relayed++
			if len(m.Rcpts) != 1 || m.Rcpts[0] != "c1@example.org" || !strings.Contains(text, "Reply-To: a2@example.org") ||
				!strings.Contains(text, "<minyan@lists.example.org>") || strings.Contains(text, "message 3") {
				t.Errorf("relayed message:\n%s", text)
			}
		}
	}
	if relayed != 2 {
		t.Errorf("%d messages relayed, want 2", relayed)
	}

	// Leaving the directory is immediate.
	e.mustRun("person", "set", "--listed", "false", "c1@example.org")
	if code, _ := a2.get("/people/" + c1); code != 404 {
		t.Errorf("unlisted c1 still shown: %d", code)
	}
	if _, body := a2.get("/people?q=c1"); strings.Contains(body, c1) {
		t.Error("unlisted c1 still found")
	}
}

// drainedBinary waits until the daemon's queue is empty, asking the
// binary (`queue ls` prints nothing then).
func (e *e2e) drainedBinary(t *testing.T) {
	t.Helper()
	waitFor(t, "the queue to drain", func() bool {
		out, err := e.run("queue", "ls")
		return err == nil && strings.TrimSpace(out) == ""
	})
}
