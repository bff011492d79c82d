package digest

import (
	"fmt"
	"testing"
)

func TestRegressionRecur(t *testing.T) {
	for _, c := range []struct {
		first, every string
		n            int
	}{{"2026-10-29 19:00", "monthly", 5}, {"2026-12-24 00:30", "biweekly", 3}, {"2026-10-01 19:00", "monthly", 13}, {"2027-01-31 10:00", "monthly", 4}} {
		o, err := Occurrences(c.first, c.every, c.n)
		fmt.Println(c.first, c.every, o, err)
	}
	for _, a := range []string{"Yes!", "yes, I'll be there", "Maybe", "No problem, see you there", "Yes—see you", "YES.", "\u00a0yes", "Ja"} {
		fmt.Printf("%q -> %q\n", a, ParseAnswer(a))
	}
}
