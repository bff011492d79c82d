package digest

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

// observanceRule is one STANDARD/DAYLIGHT period as the VTIMEZONE says it.
type observanceRule struct {
	onset    time.Time // instant it begins
	to       time.Duration
	daylight bool
}

// parseOffset reads a UTC-OFFSET (+HHMM or +HHMMSS).
func parseOffset(t *testing.T, s string) time.Duration {
	t.Helper()
	if len(s) != 5 && len(s) != 7 || (s[0] != '+' && s[0] != '-') {
		t.Fatalf("bad UTC offset %q", s)
	}
	n := func(a string) time.Duration {
		v, err := strconv.Atoi(a)
		if err != nil {
			t.Fatalf("bad UTC offset %q", s)
		}
		return time.Duration(v)
	}
	d := n(s[1:3])*time.Hour + n(s[3:5])*time.Minute
	if len(s) == 7 {
		d += n(s[5:7]) * time.Second
	}
	if s[0] == '-' {
		d = -d
	}
	return d
}

// resolve turns a wall-clock DATE-TIME with a TZID into an instant using
// only the calendar's own VTIMEZONE, as a calendar program does: never
// Go's time zone data.
func resolve(t *testing.T, cal *ical.Calendar, p *ical.Prop) time.Time {
	t.Helper()
	tzid := p.Params.Get(ical.ParamTimezoneID)
	if tzid == "" {
		t.Fatalf("%s has no TZID: %s", p.Name, p.Value)
	}
	var rules []observanceRule
	for _, c := range cal.Children {
		if c.Name != ical.CompTimezone || c.Props.Get(ical.PropTimezoneID).Value != tzid {
			continue
		}
		for _, o := range c.Children {
			wall, err := time.Parse("20060102T150405", o.Props.Get(ical.PropDateTimeStart).Value)
			if err != nil {
				t.Fatalf("observance DTSTART: %v", err)
			}
			if o.Props.Get(ical.PropRecurrenceRule) != nil || o.Props.Get(ical.PropRecurrenceDates) != nil {
				t.Fatalf("the test reads only onsets, not rules")
			}
			from := parseOffset(t, o.Props.Get(ical.PropTimezoneOffsetFrom).Value)
			to := parseOffset(t, o.Props.Get(ical.PropTimezoneOffsetTo).Value)
			rules = append(rules, observanceRule{onset: wall.Add(-from), to: to, daylight: o.Name == ical.CompTimezoneDaylight})
		}
	}
	if len(rules) == 0 {
		t.Fatalf("no VTIMEZONE for TZID %q", tzid)
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].onset.Before(rules[j].onset) })
	wall, err := time.Parse("20060102T150405", p.Value)
	if err != nil {
		t.Fatalf("%s: %v", p.Name, err)
	}
	var got time.Time
	for _, r := range rules {
		if u := wall.Add(-r.to); !u.Before(r.onset) {
			got = u
		}
	}
	if got.IsZero() {
		t.Fatalf("%s %s is before every observance of %s", p.Name, p.Value, tzid)
	}
	return got
}

// A weekly 19:00 series across a change of daylight saving time: each
// invite says 19:00 in the series' zone, and the zone's own VTIMEZONE maps
// that to the right instant on both sides of the change. Events used to
// go out in UTC, so a calendar in another zone, or one that reapplies the
// series later, drifted by an hour.
func TestICSKeepsLocalTimeAcrossDST(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		zone          string
		before, after string // dates of the two sessions, a change between
		shiftMinutes  int    // how far the UTC time moves
	}{
		{"America/New_York", "2026-03-05", "2026-03-12", -60},
		{"Europe/Berlin", "2026-10-22", "2026-10-29", 60},
		{"Australia/Sydney", "2026-03-30", "2026-04-06", 60},
		{"Australia/Lord_Howe", "2026-04-02", "2026-04-09", 30},
		{"Asia/Kolkata", "2026-03-05", "2026-03-12", 0},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			loc := mustZone(t, tc.zone)
			var utc []time.Time
			for _, day := range []string{tc.before, tc.after} {
				start, err := time.ParseInLocation("2006-01-02 15:04", day+" 19:00", loc)
				if err != nil {
					t.Fatal(err)
				}
				raw, err := ICS(Invite{Method: MethodPublish, UID: "s-1@lists.example.org", Stamp: start.Add(-time.Hour),
					Start: start, End: start.Add(90 * time.Minute), Summary: "Study circle: a summary long enough to be folded over two lines of the calendar file",
					Organizer: "circle-owner@lists.example.org", Zone: loc})
				if err != nil {
					t.Fatal(err)
				}
				checkICSLines(t, raw)
				cal, err := ical.NewDecoder(bytes.NewReader(raw)).Decode()
				if err != nil {
					t.Fatalf("decode: %v\n%s", err, raw)
				}
				ev := cal.Events()[0]
				dtstart, dtend := ev.Props.Get(ical.PropDateTimeStart), ev.Props.Get(ical.PropDateTimeEnd)
				if got := dtstart.Params.Get(ical.ParamTimezoneID); got != tc.zone {
					t.Errorf("DTSTART TZID %q, want %q\n%s", got, tc.zone, raw)
				}
				want := day[0:4] + day[5:7] + day[8:10] + "T190000"
				if dtstart.Value != want {
					t.Errorf("DTSTART %s, want %s (19:00 local)", dtstart.Value, want)
				}
				if got := resolve(t, cal, dtstart); !got.Equal(start) {
					t.Errorf("%s: the VTIMEZONE puts DTSTART at %v, want %v\n%s", day, got.UTC(), start.UTC(), raw)
				}
				if got := resolve(t, cal, dtend); !got.Equal(start.Add(90 * time.Minute)) {
					t.Errorf("%s: the VTIMEZONE puts DTEND at %v, want %v", day, got.UTC(), start.Add(90*time.Minute).UTC())
				}
				utc = append(utc, start.UTC())
			}
			// The test itself straddles a change (or, for a zone without
			// one, none): otherwise it proves nothing.
			h := func(u time.Time) int { return u.Hour()*60 + u.Minute() }
			if shift := (h(utc[1])-h(utc[0])+36*60)%(24*60) - 12*60; shift != tc.shiftMinutes {
				t.Fatalf("UTC time moved %d minutes between the sessions, want %d", shift, tc.shiftMinutes)
			}
		})
	}
}

// The VTIMEZONE lists every change of offset Go knows in the event's
// year, with the right DAYLIGHT/STANDARD kind, and nothing malformed.
func TestVTimezoneMatchesZoneData(t *testing.T) {
	t.Parallel()
	loc := mustZone(t, "America/New_York")
	start := time.Date(2026, 7, 1, 19, 0, 0, 0, loc)
	tz := vtimezone(loc, start, start.Add(time.Hour))
	var got []string
	for _, o := range tz.Children {
		got = append(got, fmt.Sprintf("%s %s %s>%s %s", o.Name, o.Props.Get(ical.PropDateTimeStart).Value,
			o.Props.Get(ical.PropTimezoneOffsetFrom).Value, o.Props.Get(ical.PropTimezoneOffsetTo).Value,
			o.Props.Get(ical.PropTimezoneName).Value))
	}
	want := []string{
		"STANDARD 20251102T020000 -0400>-0500 EST",
		"DAYLIGHT 20260308T020000 -0500>-0400 EDT",
		"STANDARD 20261101T020000 -0400>-0500 EST",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("observances\n got %q\nwant %q", got, want)
	}
	if u := utcOffset(5*3600 + 30*60); u != "+0530" {
		t.Errorf("utcOffset +5:30 = %s", u)
	}
	if u := utcOffset(-(3600 + 15)); u != "-010015" {
		t.Errorf("utcOffset -1:00:15 = %s", u)
	}
}

// A series in UTC keeps the plain UTC form.
func TestICSInUTCHasNoTimezone(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 5, 19, 0, 0, 0, time.UTC)
	raw, err := ICS(Invite{Method: MethodPublish, UID: "u@x", Stamp: start, Start: start, End: start.Add(time.Hour),
		Summary: "s", Organizer: "o@x", Zone: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("VTIMEZONE")) || !bytes.Contains(raw, []byte("DTSTART:20260305T190000Z")) {
		t.Errorf("UTC invite:\n%s", raw)
	}
}
