package listserv

import (
	"time"

	"minyan/listserv/i18n"
)

// Span is a length of time written for people ("1 hour and 30 minutes",
// "שעה ו־30 דקות", "2 días"): an argument of {{t}} or {{local}} writes
// itself in the reader's language with the language's plurals. String is
// English, for logs; settings and the API keep FormatDuration's "1h30m",
// which people also type.
type Span time.Duration

// String is the span in English.
func (s Span) String() string { return s.In(LangEnglish) }

// In writes the span in language l: whole days, hours, minutes and
// seconds, the ones that are not zero, the last two joined by "and".
func (s Span) In(l Lang) string {
	c := i18n.Builtin()
	d := time.Duration(s)
	if d < 0 {
		d = -d
	}
	units := []struct {
		key  string
		size time.Duration
	}{{"span.days", 24 * time.Hour}, {"span.hours", time.Hour}, {"span.minutes", time.Minute}, {"span.seconds", time.Second}}
	var parts []string
	for _, u := range units {
		if n := d / u.size; n > 0 {
			parts = append(parts, c.N(l, u.key, int(n)))
			d -= n * u.size
		}
	}
	switch len(parts) {
	case 0:
		return c.N(l, "span.minutes", 0)
	case 1:
		return parts[0]
	}
	out := c.T(l, "span.and", parts[len(parts)-2], parts[len(parts)-1])
	for i := len(parts) - 3; i >= 0; i-- {
		out = c.T(l, "span.list", parts[i], out)
	}
	return out
}
