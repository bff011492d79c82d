package listserv

import (
	"errors"
	"strings"
	"testing"

	"minyan/listserv/mailcompose"
	"minyan/store"
)

// forgedDNS makes every mailed post from example.org look forged (SPF
// -all from everywhere): the contrast that shows a web post is vouched
// for by the session, not by DNS.
var forgedDNS = doorDNS{"example.org": {"v=spf1 -all"}}

func archivedRaw(t *testing.T, e *doorEnv, list string, seq uint64) (store.ArchiveMeta, string) {
	t.Helper()
	var (
		m   store.ArchiveMeta
		raw []byte
	)
	if err := e.st.View(func(tx *store.Tx) error {
		var err error
		if m, err = tx.ArchiveMeta(list, seq); err != nil {
			return err
		}
		raw, err = tx.ArchiveRaw(list, seq)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return m, string(raw)
}

// TestPostFromWebTakesThePipeline: a member's web post and reply are
// archived, threaded and delivered like mail, from the member, with a
// Message-ID at the list's domain, even where the same member's mail
// would be held as unverified.
func TestPostFromWebTakesThePipeline(t *testing.T) {
	e := newDoorEnv(t, forgedDNS)
	e.list("talk", "discussion", map[string]string{"ann@example.org": "member", "bob@example.net": "member"})
	if err := e.st.Update(func(tx *store.Tx) error {
		return tx.PutPerson(store.Person{Address: "ann@example.org", Name: "Ann Example"})
	}); err != nil {
		t.Fatal(err)
	}
	// The contrast: by mail, ann's domain says she did not send it.
	e.send("ann@example.org", "talk@lists.example.org", msg("ann@example.org", "talk@lists.example.org", "by mail", "hi"))
	if got := e.outcome("talk", "ann@example.org"); got != "hold" {
		t.Fatalf("mailed post from a forged-looking domain: %s, want hold", got)
	}

	ann := Person("ann@example.org", DoorWeb)
	out, err := e.svc.PostFromWeb(bg, ann, "talk", WebPost{Subject: "Hello from the web", Body: "First line.\nSecond line."})
	if err != nil {
		t.Fatal(err)
	}
	if out.Action != Accept || !strings.HasSuffix(out.MessageID, "@lists.example.org") {
		t.Fatalf("web post: %+v, want accepted with an id at the list domain", out)
	}
	meta, raw := archivedRaw(t, e, "talk", 1)
	if meta.From != "ann@example.org" || meta.Subject != "Hello from the web" || meta.MessageID != out.MessageID {
		t.Errorf("archived as %+v", meta)
	}
	for _, want := range []string{`From: "Ann Example" <ann@example.org>`, "Date: ", "auth=pass", "smtp.auth=ann@example.org", "Second line."} {
		if !strings.Contains(raw, want) {
			t.Errorf("archived post lacks %q:\n%s", want, raw)
		}
	}
	mails := e.mailsTo("bob@example.net")
	if len(mails) != 1 || !strings.Contains(mails[0].body, "Message-ID: <"+out.MessageID+">") ||
		!strings.Contains(mails[0].body, "ann@example.org") || !strings.Contains(mails[0].body, "First line.") {
		t.Fatalf("bob's copy: %+v", mails)
	}

	// Bob replies on the message page.
	bob := Person("bob@example.net", DoorWeb)
	re, err := e.svc.PostFromWeb(bg, bob, "talk", WebPost{Subject: "ignored", Body: "Agreed.", InReplyTo: 1})
	if err != nil || re.Action != Accept {
		t.Fatalf("reply: %+v %v", re, err)
	}
	rmeta, rraw := archivedRaw(t, e, "talk", 2)
	if rmeta.Subject != "Re: Hello from the web" || rmeta.Thread != meta.Thread || rmeta.InReplyTo != out.MessageID {
		t.Errorf("reply archived as %+v (parent thread %d)", rmeta, meta.Thread)
	}
	if !strings.Contains(rraw, "In-Reply-To: <"+out.MessageID+">") || !strings.Contains(rraw, "References: <"+out.MessageID+">") {
		t.Errorf("reply lacks In-Reply-To/References:\n%s", rraw)
	}
	// A reply to a reply keeps "Re: " once and the whole chain.
	if _, err := e.svc.PostFromWeb(bg, ann, "talk", WebPost{Body: "Thanks.", InReplyTo: 2}); err != nil {
		t.Fatal(err)
	}
	m3, raw3 := archivedRaw(t, e, "talk", 3)
	if m3.Subject != "Re: Hello from the web" || !strings.Contains(raw3, "References: <"+out.MessageID+"> <"+re.MessageID+">") {
		t.Errorf("second reply: %q\n%s", m3.Subject, raw3)
	}
}

// TestPostFromWebAsMailWouldDecide: people who may not post get what
// mail would give them, and a caucus stays hidden.
func TestPostFromWebAsMailWouldDecide(t *testing.T) {
	e := newDoorEnv(t, vouched)
	roster := map[string]string{"ann@example.org": "member", "own@example.org": "owner"}
	e.list("talk", "discussion", roster)
	e.list("news", "announce", roster)
	e.list("inner", "caucus", roster)
	e.list("strict", "discussion", roster, "nonmember_action=reject")
	out := Person("out@example.net", DoorWeb)
	ann := Person("ann@example.org", DoorWeb)

	got, err := e.svc.PostFromWeb(bg, out, "talk", WebPost{Subject: "hi", Body: "may I?"})
	if err != nil || got.Action != Hold || !strings.Contains(got.Reason, "not a member") {
		t.Errorf("non-member: %+v %v, want held as a non-member", got, err)
	}
	got, err = e.svc.PostFromWeb(bg, out, "strict", WebPost{Subject: "hi", Body: "may I?"})
	if err != nil || got.Action != Refuse || len(e.mailsTo("out@example.net")) == 0 {
		t.Errorf("non-member of a list that refuses: %+v %v (mails %d)", got, err, len(e.mailsTo("out@example.net")))
	}
	got, err = e.svc.PostFromWeb(bg, ann, "news", WebPost{Subject: "hi", Body: "news?"})
	if err != nil || got.Action != Hold || !strings.Contains(got.Reason, "only moderators and owners") {
		t.Errorf("member of an announce list: %+v %v", got, err)
	}
	got, err = e.svc.PostFromWeb(bg, Person("own@example.org", DoorWeb), "news", WebPost{Subject: "Update", Body: "news!"})
	if err != nil || got.Action != Accept {
		t.Errorf("owner of an announce list: %+v %v", got, err)
	}
	if _, err := e.svc.PostFromWeb(bg, out, "inner", WebPost{Subject: "hi", Body: "let me in"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("outsider to a caucus: %v, want ErrNotFound", err)
	}
	if _, err := e.svc.PostFromWeb(bg, Actor{Door: DoorWeb}, "talk", WebPost{Subject: "hi", Body: "x"}); !errors.Is(err, ErrForbidden) {
		t.Errorf("nobody signed in: %v", err)
	}
	if _, err := e.svc.PostFromWeb(bg, ann, "talk", WebPost{Subject: "hi", Body: "  "}); !errors.Is(err, ErrEmptyPost) {
		t.Errorf("empty body: %v", err)
	}
	if _, err := e.svc.PostFromWeb(bg, ann, "talk", WebPost{Body: "no subject"}); !errors.Is(err, ErrNoSubject) {
		t.Errorf("no subject: %v", err)
	}
	if _, err := e.svc.PostFromWeb(bg, ann, "talk", WebPost{Body: "to nothing", InReplyTo: 99}); !errors.Is(err, ErrNoMessage) {
		t.Errorf("reply to a missing post: %v", err)
	}
	big := &WebAttachment{Name: "big.bin", ContentType: "application/octet-stream", Data: make([]byte, 2<<20)}
	if _, err := e.svc.PostFromWeb(bg, ann, "talk", WebPost{Subject: "big", Body: "see file", Attachment: big}); !errors.Is(err, ErrTooBig) {
		t.Errorf("attachment over max_message_bytes: %v", err)
	}
	long := strings.Repeat("é", 400)
	if got, err := e.svc.PostFromWeb(bg, ann, "talk", WebPost{Subject: long, Body: "a long subject"}); err != nil || got.Action != Accept {
		t.Errorf("a long subject beyond ASCII: %+v %v", got, err)
	}
	small := &WebAttachment{Name: `notes "v2".txt`, ContentType: "text/plain", Data: []byte("the notes")}
	if got, err := e.svc.PostFromWeb(bg, ann, "talk", WebPost{Subject: "notes", Body: "attached", Attachment: small}); err != nil || got.Action != Accept {
		t.Fatalf("post with an attachment: %+v %v", got, err)
	}
	v, err := e.svc.Message(bg, ann, "talk", 2, ViewOptions{})
	if err != nil || len(v.Attachments) != 1 || !v.CanReply {
		t.Errorf("archived post with attachment: %+v %v", v.Attachments, err)
	}
	// Who is offered the forms.
	for _, c := range []struct {
		a    Actor
		list string
		want bool
	}{{ann, "talk", true}, {ann, "news", false}, {Person("own@example.org", DoorWeb), "news", true}, {out, "talk", false}, {Actor{Door: DoorWeb}, "talk", false}} {
		lv, err := e.svc.ListPage(bg, c.a, c.list)
		if err != nil || lv.CanPost != c.want {
			t.Errorf("%s on %s: CanPost %v (%v), want %v", c.a, c.list, lv.CanPost, err, c.want)
		}
	}
}

// TestTopicsInDigestModeSayWhyNot: following topics in digest mode is
// kept, and the answer says it changes nothing until messages come one
// by one; in "each" mode it says what it does.
func TestTopicsInDigestModeSayWhyNot(t *testing.T) {
	e := newDoorEnv(t, vouched)
	e.list("talk", "discussion", map[string]string{"ann@example.org": "member"})
	ann := Person("ann@example.org", DoorWeb)
	if err := e.svc.SelfSetMode(bg, ann, "talk", string(ModeDigest)); err != nil {
		t.Fatal(err)
	}
	answer, err := e.svc.SetTopics(bg, ann, "talk", "ann@example.org", []string{"housing"})
	if err != nil || !strings.Contains(answer, "topics change nothing") {
		t.Errorf("digest mode: %q %v", answer, err)
	}
	if mb, _ := e.member("talk", "ann@example.org"); len(mb.Topics) != 1 {
		t.Errorf("topics not kept: %v", mb.Topics)
	}
	if err := e.svc.SelfSetMode(bg, ann, "talk", string(ModeEach)); err != nil {
		t.Fatal(err)
	}
	answer, err = e.svc.SetTopics(bg, ann, "talk", "ann@example.org", []string{"housing"})
	if err != nil || !strings.Contains(answer, "come one by one") {
		t.Errorf("each mode: %q %v", answer, err)
	}
}

// TestPostFromWebAlert: the compose form's alert box makes a
// moderator's web post an action alert, and nobody else's.
func TestPostFromWebAlert(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("talk", "discussion", map[string]string{"mod@example.org": "moderator", "mem@example.org": "member"})
	if _, err := e.svc.PostFromWeb(bg, Person("mod@example.org", DoorWeb), "talk", WebPost{Subject: "Rally on Sunday", Body: "Be there.", Alert: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PostFromWeb(bg, Person("mem@example.org", DoorWeb), "talk", WebPost{Subject: "Me too", Body: "Count me in.", Alert: true}); err != nil {
		t.Fatal(err)
	}
	alerts, err := e.svc.ListAlerts(bg, op, "talk")
	if err != nil || len(alerts) != 1 || alerts[0].Subject != "Rally on Sunday" {
		t.Fatalf("alerts %+v, %v", alerts, err)
	}
}

// FuzzComposeWebPost: whatever is typed on the form, the composed
// message parses, keeps one From (the author) and the subject on one
// line, and no typed text becomes a header field.
func FuzzComposeWebPost(f *testing.F) {
	e := newDoorEnv(f, nil)
	l := store.List{Name: "talk"}
	f.Add("Hello", "Body\r\nX-Evil: 1", "Ann", "a.txt", "text/plain")
	f.Add("Re: x\r\nBcc: victim@example.net", "", "\"Q\" <z>", "ré\"sumé.pdf", "application/pdf\r\nX-Evil: 1")
	f.Fuzz(func(t *testing.T, subject, body, name, file, ctype string) {
		w := WebPost{Subject: mailcompose.OneLine(subject), Body: body, Attachment: &WebAttachment{Name: file, ContentType: ctype, Data: []byte(body)}}
		raw := e.svc.composeWebPost(l, "ann@example.org", name, w, "", nil)
		m, err := parse(raw)
		if err != nil {
			t.Fatalf("composed post does not parse: %v\n%s", err, raw)
		}
		if NormalizeAddress(m.From.Address) != "ann@example.org" || m.FromAddresses != 1 {
			t.Fatalf("From is %v (%d addresses)", m.From, m.FromAddresses)
		}
		hdr, _, _ := strings.Cut(string(raw), "\r\n\r\n")
		for _, line := range strings.Split(hdr, "\r\n") {
			if strings.HasPrefix(strings.ToLower(line), "x-evil") || strings.HasPrefix(strings.ToLower(line), "bcc") {
				t.Fatalf("typed text became a header: %q", line)
			}
		}
	})
}
