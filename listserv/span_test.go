package listserv

import (
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
