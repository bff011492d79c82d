package digest

import (
	"testing"
	"time"

	"minyan/store"
)

func TestMonthlyNthWeekdayOverAYear(t *testing.T) {
	t.Parallel()
	cases := []struct {
		first string
		n     int
		wd    time.Weekday
	}{
		{"2027-01-07 19:00", 1, time.Thursday}, // first Thursday
		{"2027-01-19 12:30", 3, time.Tuesday},  // third Tuesday
		{"2027-01-24 09:00", 4, time.Sunday},   // fourth Sunday
	}
	for _, c := range cases {
		got, err := Occurrences(c.first, EveryMonthly, 12)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 12 {
			t.Fatalf("%s: %d sessions", c.first, len(got))
		}
		for i, s := range got {
			d, err := time.Parse(LocalLayout, s)
			if err != nil {
				t.Fatal(err)
			}
			if d.Month() != time.Month(i+1) || d.Year() != 2027 {
				t.Errorf("%s: session %d in %s, want month %d", c.first, i+1, s, i+1)
			}
			if d.Weekday() != c.wd || (d.Day()-1)/7+1 != c.n {
				t.Errorf("%s: session %d on %s is not the %s %s", c.first, i+1, s, ordinal(c.n), c.wd)
			}
			if d.Format("15:04") != c.first[11:] {
				t.Errorf("%s: session %d at %s", c.first, i+1, d.Format("15:04"))
			}
		}
	}
}

func TestFifthWeekdaySkipsMonthsWithoutOne(t *testing.T) {
	t.Parallel()
	// 2026-10-29 is the fifth Thursday of October 2026.
	got, err := Occurrences("2026-10-29 19:00", EveryMonthly, 5)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2026-10-29 19:00", "2026-12-31 19:00", "2027-04-29 19:00", "2027-07-29 19:00", "2027-09-30 19:00"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("session %d = %s, want %s", i+1, got[i], want[i])
		}
	}
	rule, note, _ := MonthlyRule("2026-10-29 19:00")
	if rule != "the fifth Thursday of each month" || note == "" {
		t.Errorf("rule %q note %q", rule, note)
	}
	if _, note, _ := MonthlyRule("2026-10-22 19:00"); note != "" {
		t.Errorf("a fourth Thursday needs no note: %q", note)
	}
}

func TestWeeklyAndBiweekly(t *testing.T) {
	t.Parallel()
	got, _ := Occurrences("2026-12-24 18:00", EveryWeekly, 3)
	if got[1] != "2026-12-31 18:00" || got[2] != "2027-01-07 18:00" {
		t.Errorf("weekly %v", got)
	}
	got, _ = Occurrences("2026-12-24 18:00", EveryBiweekly, 3)
	if got[1] != "2027-01-07 18:00" || got[2] != "2027-01-21 18:00" {
		t.Errorf("biweekly %v", got)
	}
	if _, err := Occurrences("2026-12-24 18:00", "", 2); err == nil {
		t.Error("a count without a recurrence was accepted")
	}
	if _, err := Occurrences("2026-12-24 18:00", "daily", 2); err == nil {
		t.Error("daily was accepted")
	}
	if _, err := Occurrences("24.12.2026 18:00", "", 1); err == nil {
		t.Error("a badly written date was accepted")
	}
}

// A 19:00 New York series stays at 19:00 local time across both DST
// changes, so its UTC instant moves by an hour.
func TestWallClockAcrossDST(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		first    string
		utcHours []int
	}{
		// Spring forward on Sunday 2027-03-14: EST (-5) to EDT (-4).
		{"2027-03-04 19:00", []int{0, 0, 23, 23}},
		// Fall back on Sunday 2026-11-01: EDT to EST.
		{"2026-10-22 19:00", []int{23, 23, 0, 0}},
	} {
		locals, err := Occurrences(c.first, EveryWeekly, 4)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range locals {
			at := mustTime(t, "America/New_York", l)
			if at.UTC().Hour() != c.utcHours[i] {
				t.Errorf("%s: %s is %s UTC, want hour %d", c.first, l, at.UTC(), c.utcHours[i])
			}
			ny, _ := time.LoadLocation("America/New_York")
			if at.In(ny).Format("15:04") != "19:00" {
				t.Errorf("%s: %s is %s local", c.first, l, at.In(ny))
			}
		}
	}
}

func TestTimesAtDSTEdges(t *testing.T) {
	t.Parallel()
	// 02:30 does not exist on 2027-03-14 in New York: it becomes 03:30
	// EDT (forward by the gap), never 01:30.
	at := mustTime(t, "America/New_York", "2027-03-14 02:30")
	if got := at.UTC().Format("15:04"); got != "07:30" {
		t.Errorf("skipped time -> %s UTC, want 07:30 (03:30 EDT)", got)
	}
	// 01:30 exists twice on 2026-11-01: the first (EDT) is meant.
	at = mustTime(t, "America/New_York", "2026-11-01 01:30")
	if got := at.UTC().Format("15:04"); got != "05:30" {
		t.Errorf("repeated time -> %s UTC, want 05:30 (01:30 EDT)", got)
	}
	if _, err := Instant("Local", "2026-11-01 01:30"); err == nil {
		t.Error("zone Local was accepted")
	}
	if _, err := Instant("Mars/Olympus", "2026-11-01 01:30"); err == nil {
		t.Error("an unknown zone was accepted")
	}
}

// Whole-day offsets count on the session's wall clock: "24h" before a
// Sunday 19:00 session is Saturday 19:00 even though the clocks sprang
// forward in between (23 hours of real time); other offsets are exact.
func TestOffsetsBeforeSessionAcrossDST(t *testing.T) {
	t.Parallel()
	si, err := sessionInfo(store.Session{ID: 1, Zone: "America/New_York", Local: "2027-03-14 19:00", Duration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	for _, c := range []struct {
		off  time.Duration
		want string
		real time.Duration
	}{
		{24 * time.Hour, "2027-03-13 19:00 EST", 23 * time.Hour},
		{48 * time.Hour, "2027-03-12 19:00 EST", 47 * time.Hour},
		{90 * time.Minute, "2027-03-14 17:30 EDT", 90 * time.Minute},
		{36 * time.Hour, "2027-03-13 06:00 EST", 36 * time.Hour},
	} {
		got := before(si, c.off)
		if got.In(ny).Format("2006-01-02 15:04 MST") != c.want {
			t.Errorf("%v before: %s, want %s", c.off, got.In(ny).Format("2006-01-02 15:04 MST"), c.want)
		}
		if d := si.Start.Sub(got); d != c.real {
			t.Errorf("%v before spans %v of real time, want %v", c.off, d, c.real)
		}
	}
}

func TestDigestSlotsInListTimezone(t *testing.T) {
	t.Parallel()
	set := store.Settings{Timezone: "Pacific/Auckland", DigestDay: "monday", DigestTime: "08:00"}
	// Monday 08:00 in Auckland (NZDT, +13) is Sunday 19:00 UTC.
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct{ now, last, next string }{
		{"2026-11-01T19:00:00Z", "2026-11-01T19:00:00Z", "2026-11-08T19:00:00Z"}, // exactly at the slot
		{"2026-11-01T18:59:59Z", "2026-10-25T19:00:00Z", "2026-11-01T19:00:00Z"}, // a second before
		{"2026-11-05T12:00:00Z", "2026-11-01T19:00:00Z", "2026-11-08T19:00:00Z"}, // midweek
	} {
		last, next, err := digestSlots(set, store.DigestWeekly, at(c.now))
		if err != nil {
			t.Fatal(err)
		}
		if !last.Equal(at(c.last)) || !next.Equal(at(c.next)) {
			t.Errorf("now %s: slots %s, %s; want %s, %s", c.now, last.UTC(), next.UTC(), c.last, c.next)
		}
	}
	// New York, across the end of DST (2026-11-01): Monday 08:00 is 12:00
	// UTC on Oct 26 (EDT) and 13:00 UTC on Nov 2 (EST).
	set = store.Settings{Timezone: "America/New_York", DigestDay: "mon", DigestTime: "08:00"}
	last, next, err := digestSlots(set, store.DigestWeekly, at("2026-11-01T12:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if !last.Equal(at("2026-10-26T12:00:00Z")) || !next.Equal(at("2026-11-02T13:00:00Z")) {
		t.Errorf("slots %s, %s", last.UTC(), next.UTC())
	}
	if _, _, err := digestSlots(store.Settings{Timezone: "UTC", DigestDay: "someday", DigestTime: "08:00"}, store.DigestWeekly, at("2026-11-01T12:00:00Z")); err == nil {
		t.Error("a bad digest_day was accepted")
	}
}
