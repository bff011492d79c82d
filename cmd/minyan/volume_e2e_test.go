package main

import (
	"bytes"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	gomessage "github.com/emersion/go-message"

	"minyan/store"
)

var muteHeaderRE = regexp.MustCompile(`(?m)^List-Mute-Thread: <[^>]*(/mute/[a-z0-9]+/[0-9]+)>\r?$`)

// subjectsTo are the decoded subjects of every message delivered to rcpt.
func subjectsTo(t *testing.T, e *testEnv, rcpt string) []string {
	t.Helper()
	var out []string
	for _, m := range e.to(rcpt) {
		ent, err := gomessage.Read(bytes.NewReader(m.Data))
		if ent == nil {
			t.Fatalf("a message to %s does not parse: %v", rcpt, err)
		}
		s, _ := ent.Header.Text("Subject")
		out = append(out, s)
	}
	return out
}

func countContaining(list []string, part string) int {
	n := 0
	for _, s := range list {
		if strings.Contains(s, part) {
			n++
		}
	}
	return n
}

// sendPost posts to a list and waits until the queue is empty.
func (e *testEnv) sendPost(from, list, subject, body string, extra ...string) {
	e.t.Helper()
	if err := e.send(from, []string{list + "@lists.example.org"}, post(from, list+"@lists.example.org", subject, body, extra...)); err != nil {
		e.t.Fatalf("post %q: %v", subject, err)
	}
	e.srv.outbox.Wake()
	e.drain()
}

// nextLocal is the first moment after now at hh:mm in zone.
func nextLocal(t *testing.T, now time.Time, zone string, hh, mm int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	l := now.In(loc)
	at := time.Date(l.Year(), l.Month(), l.Day(), hh, mm, 0, 0, loc)
	for !at.After(now) {
		at = at.AddDate(0, 0, 1)
	}
	return at
}

// Muting by the link in a post: the GET page changes nothing, the button
// (a POST) mutes; afterwards no post of that thread reaches the member,
// one by one or in the digest; others still get it; unmuting restores.
func TestMuteThreadByClick(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("net", "discussion", map[string]string{"alice@example.net": "member", "bob@example.net": "member",
		"carol@example.net": "member", "eve@example.net": "member"},
		"personalize=true", "timezone=America/New_York", "digest_time=08:00")
	e.mustCLI("member", "set", "--mode", "digest", "--digest", "daily", "net", "carol@example.net")

	e.sendPost("alice@example.net", "net", "Tenant meeting", "Thursday at 7.")
	bobs := e.to("bob@example.net")
	if len(bobs) != 1 {
		t.Fatalf("bob got %d messages, want the post", len(bobs))
	}
	if !bytes.Contains(bobs[0].Data, []byte("Mute this thread: <mailto:net-request@lists.example.org?")) {
		t.Errorf("the post has no mute line in its footer:\n%s", bobs[0].Data)
	}
	m := muteHeaderRE.FindSubmatch(bobs[0].Data)
	if m == nil {
		t.Fatalf("bob's copy has no mute link:\n%s", bobs[0].Data)
	}
	link := string(m[1])
	if eves := e.to("eve@example.net"); len(eves) != 1 || bytes.Contains(eves[0].Data, []byte(link)) {
		t.Fatalf("eve's copy must carry her own link, not bob's")
	}

	w := newWebClient(t, e)
	code, page := w.get(link)
	if code != 200 || !strings.Contains(page, "Mute this conversation") || !strings.Contains(page, "Tenant meeting") {
		t.Fatalf("GET %s: %d\n%s", link, code, page)
	}
	if code, _ := w.get(link + "0"); code != 404 {
		t.Errorf("a link to another thread number answers %d, want 404", code)
	}
	if code, _ := w.get(strings.Replace(link, "/mute/", "/mute/x", 1)); code != 404 {
		t.Errorf("a link with a wrong token answers %d, want 404", code)
	}
	e.sendPost("alice@example.net", "net", "Re: Tenant meeting", "Agenda attached.", "In-Reply-To: <Tenant.meeting.alice@example.net>")
	if n := countContaining(subjectsTo(t, e, "bob@example.net"), "Tenant meeting"); n != 2 {
		t.Fatalf("before the click bob has %d posts of the thread, want 2 (opening the page mutes nothing)", n)
	}

	code, page = w.post(link, url.Values{"action": {"mute"}})
	if code != 200 || !strings.Contains(page, "Conversation muted") {
		t.Fatalf("POST %s: %d\n%s", link, code, page)
	}
	// carol (daily digest) mutes the same thread with her own link.
	var carolTok string
	if err := e.srv.App.Store.View(func(tx *store.Tx) error {
		mb, err := tx.Membership("net", "carol@example.net")
		carolTok = mb.UnsubToken
		return err
	}); err != nil {
		t.Fatal(err)
	}
	thread, _ := strconv.ParseUint(link[strings.LastIndexByte(link, '/')+1:], 10, 64)
	carolLink := "/mute/" + e.srv.App.Svc.MuteToken(carolTok, thread) + link[strings.LastIndexByte(link, '/'):]
	if code, page := w.post(carolLink, url.Values{"action": {"mute"}}); code != 200 {
		t.Fatalf("POST %s: %d\n%s", carolLink, code, page)
	}

	e.sendPost("alice@example.net", "net", "Re: Re: Tenant meeting", "Room 4.", "In-Reply-To: <Re:.Tenant.meeting.alice@example.net>")
	e.sendPost("alice@example.net", "net", "Garden day", "Saturday.")
	bobSubjects := subjectsTo(t, e, "bob@example.net")
	if n := countContaining(bobSubjects, "Tenant meeting"); n != 2 {
		t.Errorf("bob got %d posts of the muted thread, want only the 2 from before the click: %q", n, bobSubjects)
	}
	if countContaining(bobSubjects, "Garden day") != 1 {
		t.Errorf("bob missed a post of another thread: %q", bobSubjects)
	}
	if eve := subjectsTo(t, e, "eve@example.net"); countContaining(eve, "Tenant meeting") != 3 || countContaining(eve, "Garden day") != 1 {
		t.Errorf("eve, who muted nothing, got %q", eve)
	}

	// carol's daily digest leaves the muted thread out.
	e.schedule(nextLocal(t, e.clock.Now(), "America/New_York", 8, 0))
	e.drain()
	var digest []byte
	for _, msg := range e.to("carol@example.net") {
		if bytes.Contains(msg.Data, []byte("Daily digest")) {
			digest = msg.Data
		}
	}
	if digest == nil {
		t.Fatalf("carol got no daily digest: %q", subjectsTo(t, e, "carol@example.net"))
	}
	if !bytes.Contains(digest, []byte("Garden day")) || bytes.Contains(digest, []byte("Tenant meeting")) {
		t.Errorf("carol's digest must hold Garden day and not the muted thread:\n%s", digest)
	}

	// bob's page lists the muted conversation with an Unmute button.
	me := newWebClient(t, e)
	signIn(t, e, me, "bob@example.net", 0)
	if code, page := me.get("/me"); code != 200 || !strings.Contains(page, "Conversations you muted") || !strings.Contains(page, "Tenant meeting") ||
		!strings.Contains(page, `name="action" value="unmute"`) {
		t.Fatalf("GET /me: %d\n%s", code, page)
	}

	// Unmute restores: from the page of the link.
	code, page = w.get(link)
	if code != 200 || !strings.Contains(page, "Unmute this conversation") {
		t.Fatalf("GET %s after muting: %d\n%s", link, code, page)
	}
	if code, page := w.post(link, url.Values{"action": {"unmute"}}); code != 200 || !strings.Contains(page, "Conversation unmuted") {
		t.Fatalf("unmute: %d\n%s", code, page)
	}
	e.sendPost("alice@example.net", "net", "Re: Tenant meeting (again)", "Moved to Friday.", "In-Reply-To: <Tenant.meeting.alice@example.net>")
	if n := countContaining(subjectsTo(t, e, "bob@example.net"), "Tenant meeting"); n != 3 {
		t.Errorf("after unmuting bob has %d posts of the thread, want 3", n)
	}
}

// A member who follows #housing gets the #housing posts one by one and
// the others in the daily digest; a member who follows every topic gets
// everything one by one.
func TestTopicsOneByOneAndRestInDigest(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("org", "discussion", map[string]string{"hana@example.net": "member", "ivan@example.net": "member"},
		"topics=housing,training", "timezone=America/New_York", "digest_time=08:00")
	if out := e.mustCLI("member", "set", "--topics", "housing", "--digest", "daily", "org", "hana@example.net"); !strings.Contains(out, "topics=housing") {
		t.Fatalf("member set answered %q", out)
	}
	if _, errs, code := e.cli("member", "set", "--topics", "gardening", "org", "hana@example.net"); code == 0 || !strings.Contains(errs, "no topic #gardening") {
		t.Errorf("following a topic the list does not have: exit %d, %q", code, errs)
	}
	e.sendPost("ivan@example.net", "org", "#housing Tenant meeting", "Thursday.")
	e.sendPost("ivan@example.net", "org", "#training Facilitation workshop", "Saturday.")
	e.sendPost("ivan@example.net", "org", "Picnic", "Sunday.")
	e.sendPost("ivan@example.net", "org", "#gardening Seeds", "Not a topic of this list: untagged.")

	hana := subjectsTo(t, e, "hana@example.net")
	if len(hana) != 1 || !strings.Contains(hana[0], "#housing Tenant meeting") {
		t.Fatalf("hana got %q one by one, want only the #housing post", hana)
	}
	if ivan := subjectsTo(t, e, "ivan@example.net"); len(ivan) != 4 {
		t.Errorf("ivan follows every topic and got %q", ivan)
	}
	e.schedule(nextLocal(t, e.clock.Now(), "America/New_York", 8, 0))
	e.drain()
	hana = subjectsTo(t, e, "hana@example.net")
	if len(hana) != 2 || !strings.Contains(hana[1], "[org] Daily digest") || !strings.Contains(hana[1], "(3 messages)") {
		t.Fatalf("hana's mail after the digest time: %q", hana)
	}
	d := e.to("hana@example.net")[1].Data
	body, _ := io.ReadAll(bytes.NewReader(d))
	for _, want := range []string{"Facilitation workshop", "Picnic", "Seeds"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("hana's digest lacks %q", want)
		}
	}
	if bytes.Contains(body, []byte("Tenant meeting")) {
		t.Errorf("hana's digest repeats the #housing post she got one by one")
	}
	// hana's page shows her topics and frequency; saving an empty
	// topics box follows everything again.
	w := newWebClient(t, e)
	signIn(t, e, w, "hana@example.net", 0)
	if code, page := w.get("/me"); code != 200 || !strings.Contains(page, `name="topics" value="housing"`) ||
		!strings.Contains(page, `<option value="daily" selected>`) {
		t.Fatalf("GET /me: %d\n%s", code, page)
	}
	if code, page := w.post("/me/lists/org", url.Values{"mode": {"each"}, "digest": {"weekly"}, "topics": {""}}); code != 200 || !strings.Contains(page, "Saved") {
		t.Fatalf("POST /me/lists/org: %d\n%s", code, page)
	}
	if code, page := w.post("/me/lists/org", url.Values{"mode": {"each"}, "topics": {"gardening"}}); code != 400 || !strings.Contains(page, "no topic #gardening") {
		t.Errorf("following an unknown topic on the web: %d\n%s", code, page)
	}
	ms, _ := e.srv.App.Svc.Members("org")
	for _, m := range ms {
		if m.Address == "hana@example.net" && (len(m.Topics) != 0 || m.Frequency() != store.DigestWeekly) {
			t.Errorf("after saving /me hana follows %q with a %s digest", m.Topics, m.Frequency())
		}
	}
	// ivan is in each mode and follows everything: no digest.
	if n := countContaining(subjectsTo(t, e, "ivan@example.net"), "digest"); n != 0 {
		t.Errorf("ivan got %d digests", n)
	}
}

// "mute" in a reply to a post, sent to NAME-request@, mutes the post's
// thread once confirmed; "topics" and "digest daily" by mail are
// confirmed the same way.
func TestMuteAndTopicsByEmail(t *testing.T) {
	t.Parallel()
	e := startEnv(t, nil)
	e.setup("net", "discussion", map[string]string{"alice@example.net": "member", "bob@example.net": "member"}, "topics=housing,training")
	e.sendPost("alice@example.net", "net", "Tenant meeting", "Thursday at 7.")

	// bob answers the post to the request address, the thread named by
	// In-Reply-To only in the References (the subject is no help).
	msg := "From: bob@example.net\nTo: net-request@lists.example.org\nSubject: Re: something else\n" +
		"Message-ID: <mute.bob@example.net>\nReferences: <Tenant.meeting.alice@example.net>\n\nmute\n"
	if err := e.send("bob@example.net", []string{"net-request@lists.example.org"}, msg); err != nil {
		t.Fatal(err)
	}
	c := e.mailTo("bob@example.net", `Please confirm: "mute 1"`)
	e.reply("bob@example.net", replyAddress(t, c), "Please confirm", "yes")
	e.mailTo("bob@example.net", "You will get no more messages of the conversation")

	e.sendPost("alice@example.net", "net", "Re: Tenant meeting", "Agenda.", "In-Reply-To: <Tenant.meeting.alice@example.net>")
	if n := countContaining(subjectsTo(t, e, "bob@example.net"), "Tenant meeting"); n != 1 {
		t.Errorf("bob has %d posts of the thread he muted by mail, want 1", n)
	}

	e.command("bob@example.net", "net-request@lists.example.org", "", "topics housing")
	c = e.mailTo("bob@example.net", `Please confirm: "topics housing"`)
	e.reply("bob@example.net", replyAddress(t, c), "Please confirm", "yes")
	e.mailTo("bob@example.net", "You follow #housing")
	e.command("bob@example.net", "net-request@lists.example.org", "", "digest daily")
	c = e.mailTo("bob@example.net", `Please confirm: "digest daily"`)
	e.reply("bob@example.net", replyAddress(t, c), "Please confirm", "yes")
	e.mailTo("bob@example.net", "will come once a day")
	ms, _ := e.srv.App.Svc.Members("net")
	for _, m := range ms {
		if m.Address == "bob@example.net" && (strings.Join(m.Topics, ",") != "housing" || m.Frequency() != store.DigestDaily) {
			t.Errorf("bob's membership after the commands: topics %q, digest %s", m.Topics, m.Frequency())
		}
	}
	// A topic the list does not have is refused, kindly.
	e.command("bob@example.net", "net-request@lists.example.org", "", "topics gardening")
	c = e.mailTo("bob@example.net", `Please confirm: "topics gardening"`)
	e.reply("bob@example.net", replyAddress(t, c), "Please confirm", "yes")
	e.mailTo("bob@example.net", "has no topic #gardening")
}
