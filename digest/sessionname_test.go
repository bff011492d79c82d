package digest

import (
	"mime"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
	"minyan/listserv/i18n"
	"minyan/store"
)

// TestSessionNameInEachLanguage: a session without a topic is named in
// the reader's language ("Session 2 of 6", "מפגש 2 מתוך 6"), a topic
// stays as the organizer wrote it, and a session's length is written
// with the language's plurals, not "2 day(s)".
func TestSessionNameInEachLanguage(t *testing.T) {
	for _, c := range []struct {
		n          SessionName
		en, he, es string
	}{
		{SessionName{Index: 2, Count: 6}, "Session 2 of 6", "מפגש 2 מתוך 6", "Sesión 2 de 6"},
		{SessionName{Index: 1, Count: 1}, "Session", "מפגש", "Sesión"},
		{SessionName{Topic: "Pirkei Avot", Index: 2, Count: 6}, "Pirkei Avot", "Pirkei Avot", "Pirkei Avot"},
	} {
		for l, want := range map[i18n.Lang]string{i18n.English: c.en, i18n.Hebrew: c.he, i18n.Spanish: c.es} {
			if got := c.n.In(l); got != want {
				t.Errorf("%+v in %s = %q, want %q", c.n, l, got, want)
			}
		}
	}
	if got := (SessionName{Index: 2, Count: 6}).String(); got != "Session 2 of 6" {
		t.Errorf("String = %q", got)
	}
	allDay := SessionInfo{Session: store.Session{AllDay: true, Duration: 48 * time.Hour, Zone: "UTC", Index: 1, Count: 1},
		Start: time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)}
	e := newEnv(t, t0)
	l := e.list("circle", "community", nil, "alice@example.net")
	if got := e.s.view(l, allDay).Duration.In(i18n.Hebrew); got != "יומיים" {
		t.Errorf("an all-day session of two days in Hebrew lasts %q", got)
	}
	if got := listserv.Span(90 * time.Minute).In(i18n.Spanish); got != "1 hora y 30 minutos" {
		t.Errorf("90 minutes in Spanish: %q", got)
	}
}

// TestSeriesReminderNamedInListLanguage: a Hebrew list's reminder for a
// session of a series without a topic names it in Hebrew, in its subject
// and its text.
func TestSeriesReminderNamedInListLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"session_digest_before=0", "language=he"}, "alice@example.net")
	e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00", Every: EveryWeekly, Count: 3})
	e.run(ny(t, "2026-11-04 19:00"))
	rem := e.ofKind(kindReminder)
	if len(rem) != 1 {
		t.Fatalf("%d reminders, want 1", len(rem))
	}
	h, _ := parts(t, rem[0].Raw)
	subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	text := textOf(t, rem[0].Raw)
	if !strings.Contains(subject, "מפגש 1 מתוך 3") || !strings.Contains(text, "מפגש 1 מתוך 3") {
		t.Errorf("the session is not named in Hebrew:\n%s\n%s", subject, text)
	}
	if strings.Contains(subject+text, "Session") {
		t.Errorf("English name left:\n%s\n%s", subject, text)
	}
}
