package digest

import (
	"strings"
	"testing"
)

// A monthly series keeps its nth weekday: a fifth Thursday or Sunday
// skips the months that have none, and series run across the year's end.
func TestOccurrencesFifthWeekdayAndYearEnd(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		first, every string
		n            int
		want         string
	}{
		{"2026-10-29 19:00", "monthly", 5, "2026-10-29 19:00,2026-12-31 19:00,2027-04-29 19:00,2027-07-29 19:00,2027-09-30 19:00"},
		{"2026-12-24 00:30", "biweekly", 3, "2026-12-24 00:30,2027-01-07 00:30,2027-01-21 00:30"},
		{"2027-01-31 10:00", "monthly", 4, "2027-01-31 10:00,2027-05-30 10:00,2027-08-29 10:00,2027-10-31 10:00"},
		{"2026-10-01 19:00", "monthly", 13, "2026-10-01 19:00,2026-11-05 19:00,2026-12-03 19:00,2027-01-07 19:00," +
			"2027-02-04 19:00,2027-03-04 19:00,2027-04-01 19:00,2027-05-06 19:00,2027-06-03 19:00,2027-07-01 19:00," +
			"2027-08-05 19:00,2027-09-02 19:00,2027-10-07 19:00"},
	} {
		o, err := Occurrences(c.first, c.every, c.n)
		if err != nil {
			t.Errorf("%s %s: %v", c.first, c.every, err)
			continue
		}
		if got := strings.Join(o, ","); got != c.want {
			t.Errorf("%s %s x%d:\n got %s\nwant %s", c.first, c.every, c.n, got, c.want)
		}
	}
}
