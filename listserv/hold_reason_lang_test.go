package listserv

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
)

// TestHoldReasonInEachReadersLanguage: a post held because its author
// is not a member tells the author why in their language, and each
// moderator in theirs (one notice per language); the held item keeps
// the reason in English.
func TestHoldReasonInEachReadersLanguage(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("team", "discussion", map[string]string{"mod@example.org": "moderator", "mod2@example.org": "moderator", "own@example.org": "owner"})
	for addr, l := range map[string]Lang{"mod@example.org": LangHebrew, "mod2@example.org": LangSpanish, "out@example.net": LangHebrew} {
		if _, err := e.svc.SetProfile(bg, op, addr, ProfileChange{Lang: ptrTo(l)}); err != nil {
			t.Fatal(err)
		}
	}
	e.send("out@example.net", "team@lists.example.org", msg("out@example.net", "team@lists.example.org", "Hello", "May I post?"))

	held, err := e.svc.HeldItems(bg, op, "team")
	if err != nil || len(held) != 1 || held[0].Reason != "out@example.net is not a member of the list" {
		t.Fatalf("held: %+v %v", held, err)
	}
	for addr, want := range map[string]string{
		"out@example.net":  "out@example.net לא חבר/ה ברשימה", // the author, in Hebrew
		"mod@example.org":  "למה היא ממתינה: out@example.net לא חבר/ה ברשימה",
		"mod2@example.org": "Por qué se retuvo: out@example.net no es miembro de la lista",
		"own@example.org":  "Why it was held: out@example.net is not a member of the list",
	} {
		mails := e.mailsTo(addr)
		if len(mails) != 1 {
			t.Errorf("%s got %d mails", addr, len(mails))
			continue
		}
		if text := mailText(t, mails[0].body); !strings.Contains(text, want) {
			t.Errorf("%s: lacks %q:\n%s", addr, want, text)
		}
	}
}

// mailText is the first text/plain part of a raw mail, decoded.
func mailText(t *testing.T, raw string) string {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return partText(t, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
}

func partText(t *testing.T, ctype, cte string, body io.Reader) string {
	t.Helper()
	mt, params, _ := mime.ParseMediaType(ctype)
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err != nil {
				return ""
			}
			if s := partText(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); s != "" {
				return s
			}
		}
	}
	if mt != "" && mt != "text/plain" {
		return ""
	}
	b, _ := io.ReadAll(body)
	switch strings.ToLower(cte) {
	case "quoted-printable":
		b, _ = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
	case "base64":
		if dec, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), "")); err == nil {
			b = dec
		}
	}
	return string(b)
}
