package mailcompose

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// A reader that knows nothing of this package (net/mail, mime/multipart)
// finds the header fields and the tree of parts the composer was given.
func TestComposeTreeReadsBack(t *testing.T) {
	ics := []byte("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n")
	post := []byte("From: Zoë <z@example.net>\nSubject: hi\n\nGrüße\n")
	raw := Compose(Header{
		From:          `"Team" <team-owner@lists.example.org>`,
		To:            []string{"a@example.org", "b@example.org"},
		ReplyTo:       []string{"team@lists.example.org"},
		Subject:       "Café\r\nBcc: evil@example.com",
		Date:          time.Date(2026, 3, 1, 19, 0, 0, 0, time.UTC),
		MessageID:     StableID("weekly/team/2026 w9", "lists.example.org"),
		InReplyTo:     "orig@example.net",
		AutoSubmitted: "auto-generated",
		Extra:         []string{"List-Id: <team.lists.example.org>", "X-Inject: a\r\nBcc: evil@example.com"},
	}, Multipart("mixed",
		Multipart("alternative", Text("Hello\nthere ünïcode"), Calendar(ics, "REQUEST")),
		CalendarFile(ics, "REQUEST"),
		Message(post).WithHeader("Content-Disposition: inline")))

	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatal("bare LF in composed message")
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Bcc") != "" {
		t.Fatalf("header injection: Bcc = %q", m.Header.Get("Bcc"))
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subj != "Café Bcc: evil@example.com" {
		t.Fatalf("Subject = %q, %v", subj, err)
	}
	for k, want := range map[string]string{
		"Message-Id":     "<minyan.weekly.team.2026.w9@lists.example.org>",
		"In-Reply-To":    "<orig@example.net>",
		"References":     "<orig@example.net>",
		"Auto-Submitted": "auto-generated",
		"List-Id":        "<team.lists.example.org>",
		"To":             "a@example.org, b@example.org",
		"Reply-To":       "team@lists.example.org",
		"Mime-Version":   "1.0",
		"Date":           "Sun, 01 Mar 2026 19:00:00 +0000",
	} {
		if got := m.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}

	shape := walk(t, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
	want := "multipart/mixed[8bit]{multipart/alternative{text/plain:Hello\r\nthere ünïcode,text/calendar:METHOD:REQUEST},application/ics:METHOD:REQUEST,message/rfc822[8bit]:Grüße}"
	if shape != want {
		t.Fatalf("shape\n got %s\nwant %s", shape, want)
	}
}

// walk describes an entity as type[cte]{children} or type:decoded-text.
func walk(t *testing.T, ctype, cte string, body io.Reader) string {
	t.Helper()
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatal(err)
	}
	label := mt
	if cte == "8bit" {
		label += "[8bit]"
	}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		var kids []string
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			kids = append(kids, walk(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p))
		}
		return label + "{" + strings.Join(kids, ",") + "}"
	}
	switch cte {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64Reader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimRight(string(b), "\r\n")
	switch mt {
	case "text/calendar", "application/ics":
		s = strings.Split(s, "\r\n")[1]
	case "message/rfc822":
		inner, err := mail.ReadMessage(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(inner.Body)
		s = strings.TrimRight(string(b), "\r\n")
	}
	return label + ":" + s
}

func TestMultipartWithoutEightBitHasNoLabel(t *testing.T) {
	raw := Compose(Header{From: "a@example.org", MessageID: NewID("example.org")},
		Multipart("digest", Message([]byte("Subject: x\n\nplain ascii\n"))))
	if bytes.Contains(raw, []byte("8bit")) {
		t.Fatalf("7-bit digest labelled 8bit:\n%s", raw)
	}
	if bytes.Contains(raw, []byte("\r\nTo:")) {
		t.Fatal("empty To written; it is spliced in per recipient")
	}
}

func TestIDs(t *testing.T) {
	a, b := NewID("example.org"), NewID("example.org")
	if a == b || !strings.HasSuffix(a, "@example.org") || len(a) < 32 {
		t.Fatalf("NewID: %q %q", a, b)
	}
	if got := StableID("s/1 <x>", "d.example"); got != "minyan.s.1..x.@d.example" {
		t.Fatalf("StableID = %q", got)
	}
}

func base64Reader(r io.Reader) io.Reader {
	return base64.NewDecoder(base64.StdEncoding, r)
}

// TestFileAttachment: an attachment from the web keeps its name (also
// one with quotes or letters beyond ASCII) and bytes, and a type that
// could break the structure becomes application/octet-stream.
func TestFileAttachment(t *testing.T) {
	for _, c := range []struct{ name, ct, wantType string }{
		{"notes.txt", "text/plain", "text/plain"},
		{`résumé "final".pdf`, "application/pdf", "application/pdf"},
		{"x.eml", "message/rfc822", "application/octet-stream"},
		{"evil", "text/plain\r\nX-Evil: 1", "application/octet-stream"},
		{"", "", "application/octet-stream"},
	} {
		raw := Compose(Header{From: "a@example.org", Subject: "s", MessageID: "1@example.org"},
			Multipart("mixed", Text("see file"), File(c.name, c.ct, []byte("the bytes"))))
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
		mr := multipart.NewReader(m.Body, params["boundary"])
		mr.NextPart()
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("%q: %v", c.name, err)
		}
		mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		want := c.name
		if want == "" {
			want = "attachment"
		}
		body, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
		if mt != c.wantType || p.FileName() != want || string(body) != "the bytes" || strings.Contains(string(raw), "X-Evil") {
			t.Errorf("%q %q: type %q name %q body %q", c.name, c.ct, mt, p.FileName(), body)
		}
	}
}
