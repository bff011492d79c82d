package listserv

import (
	"testing"
	"time"
)

// TestParseHumanDuration: the durations people type, in the three
// languages, and what is refused.
func TestParseHumanDuration(t *testing.T) {
	const day = 24 * time.Hour
	ok := []struct {
		in   string
		want time.Duration
	}{
		{"90m", 90 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{"14d", 14 * day},
		{"0", 0},
		{"1 hour", time.Hour},
		{"90 minutes", 90 * time.Minute},
		{"90min", 90 * time.Minute},
		{"2 days", 2 * day},
		{"3 days", 3 * day},
		{"3 Days", 3 * day},
		{"1 hour 30 minutes", 90 * time.Minute},
		{"1 hour and 30 minutes", 90 * time.Minute},
		{"1 hour, 30 minutes", 90 * time.Minute},
		{"an hour and a half", 90 * time.Minute},
		{"half an hour", 30 * time.Minute},
		{"1.5 hours", 90 * time.Minute},
		{"two weeks", 14 * day},
		{"a day", day},
		{"1-hour", time.Hour},
		{"2 horas", 2 * time.Hour},
		{"hora y media", 90 * time.Minute},
		{"media hora", 30 * time.Minute},
		{"1,5 horas", 90 * time.Minute},
		{"tres días", 3 * day},
		{"3 dias", 3 * day},
		{"90 minutos", 90 * time.Minute},
		{"1 semana", 7 * day},
		{"שעה", time.Hour},
		{"שעתיים", 2 * time.Hour},
		{"שעה וחצי", 90 * time.Minute},
		{"חצי שעה", 30 * time.Minute},
		{"90 דקות", 90 * time.Minute},
		{"שלושה ימים", 3 * day},
		{"3 ימים", 3 * day},
		{"יומיים", 2 * day},
		{"שעה ו30 דקות", 90 * time.Minute},
	}
	for _, c := range ok {
		got, err := ParseHumanDuration(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseHumanDuration(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "soon", "1 2 hours", "hours 3", "90", "-1h", "1 fortnight", "half", "and", "3 days ago",
		"99999999 weeks", "1e300 hours", "½ hour", "1h 1h 1h" + string(make([]byte, 200))} {
		if got, err := ParseHumanDuration(in); err == nil {
			t.Errorf("ParseHumanDuration(%q) = %v, want an error", in, got)
		}
	}
}

// FuzzParseHumanDuration: any text either fails or gives a duration in
// [0, MaxHumanDuration], and never panics.
func FuzzParseHumanDuration(f *testing.F) {
	for _, s := range []string{"90m", "1 hour", "an hour and a half", "שעה וחצי", "hora y media", "1,5 horas", "half a day", "3 days"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseHumanDuration(s)
		if err == nil && (d < 0 || d > MaxHumanDuration) {
			t.Fatalf("ParseHumanDuration(%q) = %v: out of range", s, d)
		}
	})
}
