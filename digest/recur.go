package digest

import (
	"fmt"
	"strings"
	"time"

	"minyan/listserv"
)

// LocalLayout is how session times are written on the command line and
// stored: wall-clock time in the session's zone.
const LocalLayout = "2006-01-02 15:04"

// Recurrences of a series.
const (
	EveryWeekly   = "weekly"
	EveryBiweekly = "biweekly"
	EveryMonthly  = "monthly"
)

// loadZone loads an IANA zone, refusing "Local" (it means the server's
// zone, which members do not share).
func loadZone(zone string) (*time.Location, error) {
	if zone == "" || zone == "Local" {
		return nil, listserv.RefuseSaying(fmt.Sprintf("time zone %q: must be an IANA time zone such as America/New_York or UTC", zone), "session_err.zone", zone)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, listserv.RefuseSaying(fmt.Sprintf("time zone %q: must be an IANA time zone such as America/New_York or UTC", zone), "session_err.zone", zone)
	}
	return loc, nil
}

// wall is a wall-clock date and time without a zone.
type wall struct {
	y        int
	mo       time.Month
	d, h, mi int
}

func parseWall(s string) (wall, error) {
	t, err := time.Parse(LocalLayout, strings.TrimSpace(s))
	if err != nil {
		return wall{}, listserv.RefuseSaying(fmt.Sprintf("%q: give the time as \"YYYY-MM-DD HH:MM\" (24-hour clock)", s), "session_err.start", s)
	}
	return wall{t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute()}, nil
}

// naive is the wall time as if it were UTC, for calendar arithmetic.
func (w wall) naive() time.Time { return time.Date(w.y, w.mo, w.d, w.h, w.mi, 0, 0, time.UTC) }

func wallOf(t time.Time) wall { return wall{t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute()} }

func (w wall) String() string { return w.naive().Format(LocalLayout) }

// in returns the instant of a wall-clock time in loc. A time that does
// not exist there (skipped when clocks spring forward, such as 02:30 on
// the second Sunday of March in New York) is moved forward by the length
// of the gap (03:30); a time that exists twice (when clocks fall back) is
// the first of the two. Go's own time.Date moves a skipped time backwards,
// which would start a meeting an hour early.
func (w wall) in(loc *time.Location) time.Time {
	n := w.naive()
	offAt := func(probe time.Time) time.Duration {
		_, o := probe.In(loc).Zone()
		return time.Duration(o) * time.Second
	}
	var best time.Time
	for _, probe := range []time.Time{n.Add(-48 * time.Hour), n.Add(48 * time.Hour)} {
		c := n.Add(-offAt(probe)).In(loc)
		if wallOf(c) == w && (best.IsZero() || c.Before(best)) {
			best = c
		}
	}
	if !best.IsZero() {
		return best
	}
	return n.Add(-offAt(n.Add(-48 * time.Hour))).In(loc)
}

// Instant is the moment a session (wall-clock local time in zone) starts.
func Instant(zone, local string) (time.Time, error) {
	loc, err := loadZone(zone)
	if err != nil {
		return time.Time{}, err
	}
	w, err := parseWall(local)
	if err != nil {
		return time.Time{}, err
	}
	return w.in(loc), nil
}

// nthWeekday says which weekday-of-month a date is: (3, Thursday) for the
// third Thursday. n is 1..5.
func nthWeekday(w wall) (int, time.Weekday) {
	return (w.d-1)/7 + 1, w.naive().Weekday()
}

// nthWeekdayOf returns the day of month of the nth wd of a month, or
// false when the month has no such day (a fifth Thursday).
func nthWeekdayOf(y int, mo time.Month, n int, wd time.Weekday) (int, bool) {
	first := time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC)
	d := 1 + (int(wd)-int(first.Weekday())+7)%7 + 7*(n-1)
	if time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Month() != mo {
		return 0, false
	}
	return d, true
}

// Ordinal names 1..5 as "first".."fifth".
func ordinal(n int) string {
	return [...]string{"", "first", "second", "third", "fourth", "fifth"}[n]
}

// Occurrences returns the wall-clock times of a series of count sessions
// starting at first. Weekly and biweekly add 7 and 14 days; monthly keeps
// the weekday-of-month of the first session ("first Thursday"). A series
// on a fifth weekday meets only in months that have one: months without
// a fifth such weekday are skipped, and the series still has count
// sessions.
func Occurrences(first string, every string, count int) ([]string, error) {
	w, err := parseWall(first)
	if err != nil {
		return nil, err
	}
	if count < 1 {
		return nil, fmt.Errorf("count must be at least 1")
	}
	out := []string{w.String()}
	switch every {
	case "":
		if count != 1 {
			return nil, listserv.RefuseSaying(fmt.Sprintf("a series of %d sessions needs a recurrence (weekly, biweekly or monthly)", count), "session_err.count_needs_every")
		}
	case EveryWeekly, EveryBiweekly:
		step := 7
		if every == EveryBiweekly {
			step = 14
		}
		for i := 1; i < count; i++ {
			out = append(out, wallOf(w.naive().AddDate(0, 0, step*i)).String())
		}
	case EveryMonthly:
		n, wd := nthWeekday(w)
		for k := 1; len(out) < count; k++ {
			m := time.Date(w.y, w.mo+time.Month(k), 1, 0, 0, 0, 0, time.UTC)
			d, ok := nthWeekdayOf(m.Year(), m.Month(), n, wd)
			if !ok {
				continue // no fifth weekday this month
			}
			out = append(out, wall{m.Year(), m.Month(), d, w.h, w.mi}.String())
		}
	default:
		return nil, fmt.Errorf("recurrence %q: must be weekly, biweekly or monthly", every)
	}
	return out, nil
}

// MonthlyRule describes a monthly series in words ("the first Thursday of
// each month") and, for a fifth weekday, what happens in other months.
func MonthlyRule(first string) (rule, note string, err error) {
	w, err := parseWall(first)
	if err != nil {
		return "", "", err
	}
	n, wd := nthWeekday(w)
	rule = fmt.Sprintf("the %s %s of each month", ordinal(n), wd)
	if n == 5 {
		note = fmt.Sprintf("months without a fifth %s are skipped; the series still has all its sessions", wd)
	}
	return rule, note, nil
}
