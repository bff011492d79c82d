package digest

import (
	"strings"
	"testing"

	"minyan/store"
)

// A post with 8-bit bytes, an encoded-word author, specials in its
// Message-ID and a body line that looks like a boundary travels in the
// weekly digest as one message/rfc822 part labelled 8bit, with the author
// readable and the reply link's In-Reply-To percent-encoded.
func TestWeeklyDigestMIMEOfAnEightBitPost(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("talk", "discussion", []string{"digest_day=monday", "digest_time=08:00", "timezone=America/New_York"},
		"bob@example.net::digest:Bob")
	e.run(t0)
	at := ny(t, "2026-11-03 09:00")
	raw := "From: Zoë <z@example.net>\nSubject: =?utf-8?q?Caf=C3=A9?=\nMessage-ID: <a&b?c%d@example.net>\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGrüße, bare LF body\n--=_minyan_\n"
	if err := e.st.Update(func(tx *store.Tx) error {
		_, err := tx.Archive("talk", store.ArchiveMeta{MessageID: "a&b?c%d@example.net", From: "z@example.net", FromName: "Zoë",
			Subject: "Café & crêpes? 100% #1 + more", Date: at, Archived: at}, []byte(raw))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e.run(ny(t, "2026-11-09 08:00"))
	ds := e.ofKind(kindWeekly)
	if len(ds) != 1 {
		t.Fatalf("%d digests", len(ds))
	}
	if toc := textOf(t, ds[0].Raw); strings.Contains(toc, "=?utf-8?") {
		t.Errorf("author shown as an RFC 2047 encoded-word in the text/plain table of contents")
	}
	if i := strings.Index(string(ds[0].Raw), "Content-Type: message/rfc822\r\n\r\n"); i >= 0 {
		t.Errorf("message/rfc822 part with 8-bit body has no Content-Transfer-Encoding: 8bit (defaults to 7bit, RFC 2045 6.1/2046 5.2.1)")
	}
	if got, want := structure(t, ds[0].Raw), "multipart/mixed[multipart/alternative[text/plain,text/html],multipart/digest[message/rfc822]]"; got != want {
		t.Errorf("structure %s, want %s", got, want)
	}
	toc := textOf(t, ds[0].Raw)
	if !strings.Contains(toc, "Zoë") || !strings.Contains(toc, "In-Reply-To=%3Ca%26b%3Fc%25d%40example.net%3E") {
		t.Errorf("table of contents:\n%s", toc)
	}
}
