package digest

import (
	"strconv"
	"time"

	"minyan/listserv/i18n"
)

// SessionTime is when a session meets, written in each reader's
// language: {{date .When}} in a template, or an argument of {{t}}
// (i18n.Localized). String is English, for logs and answers that are
// still English. Start and End are in the zone to show.
type SessionTime struct {
	Start, End time.Time
	// AllDay sessions are dates, Days of them from Start.
	AllDay bool
	Days   int
	// Short is the one-line form for subjects: "Thu Nov 5, 19:00 EST".
	Short bool
	// Place is the zone's name, written after the time ("" for none):
	// LocalWhen, the time in the session's own zone.
	Place string
}

// String is the time in English.
func (w SessionTime) String() string { return w.In(i18n.English) }

// In writes the time in language l: "Thursday, November 5, 2026,
// 19:00–20:30 EST", "יום חמישי, 5 בנובמבר 2026, 19:00–20:30 EST",
// "jueves 5 de noviembre de 2026, de 19:00 a 20:30 EST". The words and
// their order are the catalogue's (session_time.*, date.*).
func (w SessionTime) In(l i18n.Lang) string {
	if w.Start.IsZero() {
		return ""
	}
	c := i18n.Builtin()
	var s string
	switch {
	case w.AllDay && w.Short:
		s = day(c, l, "session_time.short_day", w.Start)
		if w.Days > 1 {
			s = c.T(l, "session_time.short_range", s, day(c, l, "session_time.short_day", w.Start.AddDate(0, 0, w.Days-1)))
		}
	case w.AllDay:
		s = day(c, l, "session_time.long_day", w.Start)
		if w.Days > 1 {
			last := w.Start.AddDate(0, 0, w.Days-1)
			first := day(c, l, "session_time.long_day_no_year", w.Start)
			if w.Start.Year() != last.Year() {
				first = s
			}
			s = c.T(l, "session_time.range", first, day(c, l, "session_time.long_day", last))
		}
		s = c.T(l, "session_time.all_day", s)
	case w.Short:
		s = c.T(l, "session_time.short_at", day(c, l, "session_time.short_day", w.Start), clock(c, l, w.Start), w.Start.Format("MST"))
	case w.End.Year() == w.Start.Year() && w.End.YearDay() == w.Start.YearDay():
		s = c.T(l, "session_time.same_day", day(c, l, "session_time.long_day", w.Start), clock(c, l, w.Start), clock(c, l, w.End), w.End.Format("MST"))
	default:
		s = c.T(l, "session_time.across", day(c, l, "session_time.long_day", w.Start), clock(c, l, w.Start), w.Start.Format("MST"),
			day(c, l, "session_time.long_day_no_year", w.End), clock(c, l, w.End), w.End.Format("MST"))
	}
	if w.Place != "" {
		s += " (" + w.Place + ")"
	}
	return s
}

// day writes t with the layout key: its arguments are the weekday, the
// month, the day of the month, the year, and the weekday's and month's
// first three letters (English's short forms; Hebrew and Spanish write
// the names whole).
func day(c *i18n.Catalogue, l i18n.Lang, key string, t time.Time) string {
	wd := c.T(l, "date.weekday."+strconv.Itoa(int(t.Weekday())))
	mo := c.T(l, "date.month."+strconv.Itoa(int(t.Month())))
	return c.T(l, key, wd, mo, t.Day(), t.Year(), first3(wd), first3(mo))
}

// clock is the time of day as the language's session_time.clock layout.
func clock(c *i18n.Catalogue, l i18n.Lang, t time.Time) string {
	return t.Format(c.T(l, "session_time.clock"))
}

func first3(s string) string {
	r := []rune(s)
	if len(r) > 3 {
		r = r[:3]
	}
	return string(r)
}
