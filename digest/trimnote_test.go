package digest

import (
	"strings"
	"testing"
	"time"

	"minyan/listserv/i18n"
)

// TestTrimNoteInEachLanguage: the note where a digest shortened a post
// names what was left out in the reader's language.
func TestTrimNoteInEachLanguage(t *testing.T) {
	for _, c := range []struct {
		n          TrimNote
		en, he, es string
	}{
		{nil, "", "", ""},
		{TrimNote{"quoted text"}, "Quoted text trimmed.", "השמטנו מההודעה: הציטוט.", "Omitimos el texto citado."},
		{TrimNote{"signature", "mobile footer"}, "Signature and mobile footer trimmed.",
			"השמטנו מההודעה: החתימה ושורת \"נשלח מהטלפון\".", "Omitimos la firma y la línea de \"enviado desde mi celular\"."},
		{TrimNote{"quoted text", "signature", "mobile footer"}, "Quoted text, signature and mobile footer trimmed.",
			"השמטנו מההודעה: הציטוט, החתימה ושורת \"נשלח מהטלפון\".", "Omitimos el texto citado, la firma y la línea de \"enviado desde mi celular\"."},
	} {
		for l, want := range map[i18n.Lang]string{i18n.English: c.en, i18n.Hebrew: c.he, i18n.Spanish: c.es} {
			if got := c.n.In(l); got != want {
				t.Errorf("%v in %s: %q, want %q", []string(c.n), l, got, want)
			}
		}
	}
}

// TestHebrewDigestTrimNote: a Hebrew list's digest says in Hebrew that a
// post's signature was left out, in both parts.
func TestHebrewDigestTrimNote(t *testing.T) {
	e := newEnv(t, t0)
	e.list("talk", "discussion", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York", "language=he"}, "bob@example.net::digest:Bob")
	e.run(t0)
	e.archive("talk", "noa@example.net", "נועה", "לימוד בשבת", "h1@example.net", "", ny(t, "2026-11-03 09:00"),
		"שלום לכולם, נלמד את הפרק השני ביום שבת בבוקר.\n\n-- \nנועה\nמנחה קהילתית")
	e.run(ny(t, "2026-11-09 08:00").Add(time.Minute))
	ds := e.ofKind(kindWeekly)
	if len(ds) != 1 {
		t.Fatalf("%d digests", len(ds))
	}
	parts := clientParts(t, ds[0].Raw)
	doc, text := string(parts["text/html"][0]), string(parts["text/plain"][0])
	for _, part := range []string{doc, text} {
		if !strings.Contains(part, "השמטנו מההודעה: החתימה.") || strings.Contains(part, "trimmed") {
			t.Errorf("the note is not in Hebrew:\n%s", part)
		}
	}
}

// TestSizeInEachLanguage: an attachment's size in a digest is written
// in the reader's language: the plural of bytes, the decimal mark.
func TestSizeInEachLanguage(t *testing.T) {
	for _, c := range []struct {
		n          Size
		en, he, es string
	}{
		{1, "1 byte", "בייט אחד", "1 byte"},
		{48, "48 bytes", "48 בייטים", "48 bytes"},
		{12_400, "12 KB", "12 KB", "12 KB"},
		{1_400_000, "1.4 MB", "1.4 MB", "1,4 MB"},
	} {
		for l, want := range map[i18n.Lang]string{i18n.English: c.en, i18n.Hebrew: c.he, i18n.Spanish: c.es} {
			if got := c.n.In(l); got != want {
				t.Errorf("%d in %s: %q, want %q", c.n, l, got, want)
			}
		}
	}
}
