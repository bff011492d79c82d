package digest

import (
	"mime"
	"strings"
	"testing"
	"time"

	"minyan/listserv/i18n"
)

// TestSessionTimeInEachLanguage: a session's time in English is what it
// always was; in Hebrew and Spanish it is written with the language's
// own names and order, for a timed evening, a weekend across days, an
// all-day convening, the short forms of subjects and a time in another
// zone; and as an argument of {{t}} it follows the text's language.
func TestSessionTimeInEachLanguage(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	eve := time.Date(2026, 11, 5, 19, 0, 0, 0, est)
	fri := time.Date(2026, 11, 13, 9, 0, 0, 0, est)
	sun := time.Date(2026, 11, 15, 17, 0, 0, 0, est)
	for _, tc := range []struct {
		w          SessionTime
		en, he, es string
	}{
		{SessionTime{Start: eve, End: eve.Add(90 * time.Minute)},
			"Thursday, November 5, 2026, 19:00–20:30 EST",
			"יום חמישי, 5 בנובמבר 2026, 19:00–20:30 EST",
			"jueves 5 de noviembre de 2026, de 19:00 a 20:30 EST"},
		{SessionTime{Start: eve, End: eve.Add(90 * time.Minute), Short: true},
			"Thu Nov 5, 19:00 EST", "יום חמישי, 5 בנובמבר, 19:00 EST", "jueves 5 de noviembre, 19:00 EST"},
		{SessionTime{Start: fri, End: sun},
			"Friday, November 13, 2026, 09:00 EST – Sunday, November 15, 17:00 EST",
			"מיום שישי, 13 בנובמבר 2026, 09:00 EST עד יום ראשון, 15 בנובמבר, 17:00 EST",
			"del viernes 13 de noviembre de 2026, 09:00 EST, al domingo 15 de noviembre, 17:00 EST"},
		{SessionTime{Start: fri, AllDay: true, Days: 1},
			"Friday, November 13, 2026 (all day)", "יום שישי, 13 בנובמבר 2026 (כל היום)", "viernes 13 de noviembre de 2026 (todo el día)"},
		{SessionTime{Start: fri, AllDay: true, Days: 2},
			"Friday, November 13 – Saturday, November 14, 2026 (all day)",
			"יום שישי, 13 בנובמבר – שבת, 14 בנובמבר 2026 (כל היום)",
			"del viernes 13 de noviembre al sábado 14 de noviembre de 2026 (todo el día)"},
		{SessionTime{Start: fri, AllDay: true, Days: 3, Short: true},
			"Fri Nov 13–Sun Nov 15", "יום שישי, 13 בנובמבר – יום ראשון, 15 בנובמבר", "viernes 13 de noviembre – domingo 15 de noviembre"},
		{SessionTime{Start: eve, End: eve.Add(time.Hour), Place: "America/New_York"},
			"Thursday, November 5, 2026, 19:00–20:00 EST (America/New_York)",
			"יום חמישי, 5 בנובמבר 2026, 19:00–20:00 EST (America/New_York)",
			"jueves 5 de noviembre de 2026, de 19:00 a 20:00 EST (America/New_York)"},
	} {
		for l, want := range map[i18n.Lang]string{i18n.English: tc.en, i18n.Hebrew: tc.he, i18n.Spanish: tc.es} {
			if got := tc.w.In(l); got != want {
				t.Errorf("%s: %q, want %q", l, got, want)
			}
		}
		if tc.w.String() != tc.en {
			t.Errorf("String: %q, want %q", tc.w.String(), tc.en)
		}
	}
	if (SessionTime{}).In(i18n.Hebrew) != "" {
		t.Error("no time should write nothing")
	}
	w := SessionTime{Start: eve, End: eve.Add(90 * time.Minute), Short: true}
	if got := i18n.Builtin().T(i18n.Spanish, "session.reminder_subject", "Avot", w); !strings.Contains(got, "jueves 5 de noviembre, 19:00 EST") {
		t.Errorf("as an argument of a Spanish text: %q", got)
	}
}

// TestReminderTimeInListLanguage: a Hebrew list's reminder writes the
// session's time in Hebrew, in its subject and its text.
func TestReminderTimeInListLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"session_digest_before=0", "language=he"}, "alice@example.net")
	e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00", Topic: "Pirkei Avot"})
	e.run(ny(t, "2026-11-04 19:00"))
	rem := e.ofKind(kindReminder)
	if len(rem) != 1 {
		t.Fatalf("%d reminders, want 1", len(rem))
	}
	h, _ := parts(t, rem[0].Raw)
	subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	text := textOf(t, rem[0].Raw)
	if !strings.Contains(subject, "יום חמישי, 5 בנובמבר, 19:00 EST") || !strings.Contains(text, "יום חמישי, 5 בנובמבר 2026, 19:00–20:30 EST") {
		t.Errorf("the time is not in Hebrew:\n%s\n%s", subject, text)
	}
	if strings.Contains(text, "Thursday") || strings.Contains(subject, "Thu ") {
		t.Errorf("English time left:\n%s\n%s", subject, text)
	}
}
