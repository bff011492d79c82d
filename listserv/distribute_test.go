package listserv

import (
	"fmt"
	"strings"
	"testing"

	"minyan/store"
)

// archivedRaw is post seq of list as the archive holds it.
func (e *doorEnv) archivedRaw(list string, seq uint64) string {
	e.t.Helper()
	var raw []byte
	err := e.st.View(func(tx *store.Tx) error {
		var err error
		raw, err = tx.ArchiveRaw(list, seq)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return string(raw)
}

// TestArchiveKeepsPostNotMemberCopy: on a personalized list (the
// default) an HTML-only post used to be archived wrapped in a
// multipart/mixed with the "Mute this thread" footer, so the web page,
// search and digests showed only the footer. The archive holds the post
// as the list accepted it (with the list's header fields); the footer
// goes only into the copies sent to members. The same holds for a list's
// own footer on a list that is not personalized.
func TestArchiveKeepsPostNotMemberCopy(t *testing.T) {
	html := "From: ann@example.net\r\nTo: team@lists.example.org\r\nSubject: Rent strike\r\nMessage-ID: <h1@example.net>\r\n" +
		"Date: Mon, 02 Nov 2026 10:00:00 -0500\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		"<p>Meet at the <b>corner</b> on Friday.</p>\r\n"
	for _, c := range []struct {
		name     string
		settings []string
		footer   string
	}{
		{"personalized", nil, "Mute this thread"},
		{"list footer", []string{"personalize=false", "footer=Team list: be kind"}, "Team list: be kind"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newDoorEnv(t, nil)
			e.list("team", "discussion", map[string]string{"ann@example.net": "member", "bob@example.net": "member"}, c.settings...)
			e.send("ann@example.net", "team@lists.example.org", html)

			raw := e.archivedRaw("team", 1)
			if strings.Contains(raw, c.footer) || strings.Contains(raw, "multipart/mixed") {
				t.Errorf("the archive holds a member's copy with the footer:\n%s", raw)
			}
			for _, f := range []string{"List-Id: ", "Subject: [team] Rent strike"} {
				if !strings.Contains(raw, f) {
					t.Errorf("the archived post lacks %q:\n%s", f, raw)
				}
			}
			v, err := e.svc.Message(bg, op, "team", 1, ViewOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(v.HTML, "corner") || len(v.Body) != 0 {
				t.Errorf("the page shows %+v, HTML %q; want the post's HTML", v.Body, v.HTML)
			}
			var sent []queuedMail
			for _, m := range e.mailsTo("bob@example.net") {
				if m.kind == "post" {
					sent = append(sent, m)
				}
			}
			if len(sent) != 1 || !strings.Contains(sent[0].body, c.footer) || !strings.Contains(sent[0].body, "corner") {
				t.Fatalf("the member's copy lacks the post or the footer: %+v", sent)
			}
		})
	}
}

// TestCrossPostToListAndPostmaster: an SMTP transaction to a list and to
// postmaster (answered once for both) posted to the list and dropped the
// postmaster copy as "no list address". Both are handled now.
func TestCrossPostToListAndPostmaster(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.svc.o.Postmasters = []string{"root@admins.example"}
	e.list("team", "discussion", map[string]string{"ann@example.net": "member", "bob@example.net": "member"})
	raw := msg("ann@example.net", "team@lists.example.org, postmaster@lists.example.org", "hello both", "hi")
	err := e.svc.ReceiveSMTP(bg, Envelope{From: "ann@example.net", Rcpts: []string{"team@lists.example.org", "Postmaster@lists.example.org"},
		RemoteAddr: "127.0.0.1:40000", Helo: "mx.example.net"}, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(e.mailsTo("root@admins.example")) != 1 {
		t.Errorf("postmaster copy: %+v", e.mailsTo("root@admins.example"))
	}
	if got := e.mailsTo("bob@example.net"); len(got) != 1 || got[0].kind != "post" {
		t.Errorf("post: %+v", got)
	}
}

// TestMessagePageWithoutOldFooter: posts archived by earlier versions
// hold a member's copy, footer included; their pages show the post
// without the list's footer (the HTML of an HTML-only post, the text
// without "-- " and the footer).
func TestMessagePageWithoutOldFooter(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("team", "discussion", map[string]string{"ann@example.net": "member"})
	l, err := e.svc.GetList("team")
	if err != nil {
		t.Fatal(err)
	}
	footer := e.svc.PostFooter(l, "Rent strike", "h1@example.net")
	html := "Subject: [team] Rent strike\r\nMessage-ID: <h1@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Meet at the <b>corner</b>.</p>\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + footer + "\r\n--b--\r\n"
	footer2 := e.svc.PostFooter(l, "Plans", "t1@example.net")
	text := "Subject: [team] Plans\r\nMessage-ID: <t1@example.net>\r\n\r\nSee you Friday.\r\n\r\n-- \r\n" + strings.ReplaceAll(footer2, "\n", "\r\n") + "\r\n"
	if err := e.st.Update(func(tx *store.Tx) error {
		if _, err := tx.Archive("team", store.ArchiveMeta{MessageID: "h1@example.net", Subject: "Rent strike"}, []byte(html)); err != nil {
			return err
		}
		_, err := tx.Archive("team", store.ArchiveMeta{MessageID: "t1@example.net", Subject: "Plans"}, []byte(text))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	v, err := e.svc.Message(bg, op, "team", 1, ViewOptions{})
	if err != nil || !strings.Contains(v.HTML, "corner") || len(v.Body) != 0 {
		t.Errorf("HTML post: body %+v, HTML %q, %v", v.Body, v.HTML, err)
	}
	v, err = e.svc.Message(bg, op, "team", 2, ViewOptions{})
	if err != nil || len(v.Body) != 1 || fmt.Sprint(v.Body) != fmt.Sprint(TextBlocks("See you Friday.")) {
		t.Errorf("text post: body %+v, %v", v.Body, err)
	}
}
