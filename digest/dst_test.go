package digest

import (
	"testing"
	"time"

	"minyan/store"
)

// A skipped wall time must move forward by the gap in every zone, and a
// repeated one must be the first occurrence (see doc.go on time).
func TestWallTimeInGapMovesForwardEverywhere(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ zone, local, want string }{
		{"America/New_York", "2027-03-14 02:30", "03:30"},
		{"Europe/Berlin", "2027-03-28 02:30", "03:30"},
		{"Pacific/Auckland", "2026-09-27 02:30", "03:30"},
		{"Australia/Sydney", "2026-10-04 02:30", "03:30"},
		{"America/Santiago", "2026-09-06 00:30", "01:30"},
	} {
		at := mustTime(t, c.zone, c.local)
		loc, _ := time.LoadLocation(c.zone)
		if got := at.In(loc).Format("15:04"); got != c.want {
			t.Errorf("%s %s -> %s local (%s), want %s", c.zone, c.local, got, at.In(loc).Format(time.RFC3339), c.want)
		}
	}
}

func TestRepeatedWallTimeIsFirstOccurrence(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ zone, local, wantUTC string }{
		{"America/New_York", "2026-11-01 01:30", "05:30"},
		{"Europe/Berlin", "2026-10-25 02:30", "00:30"},    // CEST first
		{"Pacific/Auckland", "2027-04-04 02:30", "13:30"}, // NZDT first (+13)
		{"Australia/Sydney", "2027-04-04 02:30", "15:30"}, // AEDT first (+11)
	} {
		at := mustTime(t, c.zone, c.local)
		if got := at.UTC().Format("15:04"); got != c.wantUTC {
			t.Errorf("%s %s -> %s UTC, want %s", c.zone, c.local, got, c.wantUTC)
		}
	}
}

// Weekly digest at Sunday 02:30 Berlin on the spring-forward Sunday.
func TestDigestSlotInBerlinSpringGap(t *testing.T) {
	t.Parallel()
	set := store.Settings{Timezone: "Europe/Berlin", DigestDay: "sunday", DigestTime: "02:30"}
	now := time.Date(2027, 3, 28, 12, 0, 0, 0, time.UTC)
	last, _, err := digestSlots(set, store.DigestWeekly, now)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/Berlin")
	if got := last.In(loc).Format("2006-01-02 15:04 MST"); got != "2027-03-28 03:30 CEST" {
		t.Errorf("slot %s, want 2027-03-28 03:30 CEST", got)
	}
}

func TestMidnightGapMovesForwardEast(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ zone, local, want string }{
		{"Asia/Beirut", "2027-03-28 00:30", "2027-03-28 01:30 EEST"},
		{"Africa/Cairo", "2027-04-30 00:30", "2027-04-30 01:30 EEST"},
	} {
		at := mustTime(t, c.zone, c.local)
		loc, _ := time.LoadLocation(c.zone)
		if got := at.In(loc).Format("2006-01-02 15:04 MST"); got != c.want {
			t.Errorf("%s %s -> %s, want %s", c.zone, c.local, got, c.want)
		}
	}
}
