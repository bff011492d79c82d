package listserv

import (
	"strings"
	"testing"
	"time"
)

// TestSpanInEachLanguage: a length of time reaches people in their
// language with its plurals (Hebrew's dual included), not as "2 day(s)"
// or "1h30m".
func TestSpanInEachLanguage(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		l    Lang
		want string
	}{
		{48 * time.Hour, LangEnglish, "2 days"},
		{24 * time.Hour, LangEnglish, "1 day"},
		{90 * time.Minute, LangEnglish, "1 hour and 30 minutes"},
		{26*time.Hour + time.Minute, LangEnglish, "1 day, 2 hours and 1 minute"},
		{0, LangEnglish, "0 minutes"},
		{48 * time.Hour, LangHebrew, "יומיים"},
		{72 * time.Hour, LangHebrew, "3 ימים"},
		{2 * time.Hour, LangHebrew, "שעתיים"},
		{90 * time.Minute, LangHebrew, "שעה ו־30 דקות"},
		{24 * time.Hour, LangHebrew, "יום אחד"},
		{48 * time.Hour, LangSpanish, "2 días"},
		{61 * time.Minute, LangSpanish, "1 hora y 1 minuto"},
	} {
		if got := Span(c.d).In(c.l); got != c.want {
			t.Errorf("Span(%v).In(%s) = %q, want %q", c.d, c.l, got, c.want)
		}
	}
	if got := Span(90 * time.Minute).String(); got != "1 hour and 30 minutes" {
		t.Errorf("String = %q", got)
	}
}

// TestDurationRefusalInEachLanguage: a length nobody can read is refused
// in the reader's language; the error's own text (CLI, log) is as before.
func TestDurationRefusalInEachLanguage(t *testing.T) {
	for _, v := range []string{"a while", "-3h", "soonish"} {
		_, err := ParseHumanDuration(v)
		if err == nil {
			t.Fatalf("%q accepted", v)
		}
		if want := `must be a duration such as 90m, 24h, 14d or "1 hour 30 minutes", not "` + v + `"`; err.Error() != want {
			t.Errorf("English changed: %q", err.Error())
		}
		for l, want := range map[Lang]string{LangHebrew: "לא הצלחנו להבין את משך הזמן \"" + v + "\"", LangSpanish: "No entendemos \"" + v + "\" como una duración"} {
			if got := ErrorIn(err, l); !strings.HasPrefix(got, want) {
				t.Errorf("%q in %s: %q", v, l, got)
			}
		}
	}
}
