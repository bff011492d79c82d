package digest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

// A list title with a line break (title accepts "\n") must not end up raw
// in the ORGANIZER CN parameter.
func TestICSOrganizerNameWithLineBreak(t *testing.T) {
	t.Parallel()
	start := time.Date(2027, 1, 7, 19, 0, 0, 0, time.UTC)
	raw, err := ICS(Invite{Method: MethodPublish, UID: "u@x", Stamp: start, Start: start, End: start.Add(time.Hour),
		Summary: "s", Organizer: "o@x", OrganizerName: "Study\nCircle"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ical.NewDecoder(bytes.NewReader(raw)).Decode(); err != nil {
		t.Errorf("generated calendar does not parse: %v", err)
	}
	if bytes.Contains(raw, []byte("Study\nCircle")) || bytes.Contains(raw, []byte("Study\r\nCircle")) {
		t.Errorf("raw line break inside ORGANIZER")
	}
}

// A cancellation whose texts hold every character iCalendar escapes
// (comma, semicolon, backslash, line break), a long non-ASCII description
// and a quoted organizer name parses back to the same texts, with every
// line folded within 75 octets.
func TestICSCancelEscapesTextsAndFoldsLines(t *testing.T) {
	t.Parallel()
	start := time.Date(2027, 1, 7, 19, 0, 0, 0, time.UTC)
	summary := "Torah, Talmud; and more\nline2"
	desc := "a,b;c\\d\n" + strings.Repeat("ä", 60)
	raw, err := ICS(Invite{
		Method: MethodCancel, UID: SessionUID("circle", 42, "lists.example.org"), Sequence: 2,
		Stamp: start, Start: start, End: start.Add(time.Hour),
		Summary: summary, Description: desc,
		Link:      "https://meet.example.org/x?a=1,2;b",
		Organizer: "circle-owner@lists.example.org", OrganizerName: "Study Circle: Torah, Talmud; more",
		Cancelled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("bare line break in %q", line)
		}
	}
	cal, err := ical.NewDecoder(bytes.NewReader(raw)).Decode()
	if err != nil {
		t.Fatalf("does not parse: %v\n%s", err, raw)
	}
	if m, _ := cal.Props.Text(ical.PropMethod); m != "CANCEL" {
		t.Errorf("METHOD %q", m)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	ev := evs[0]
	for prop, want := range map[string]string{
		ical.PropSummary: summary,
		ical.PropStatus:  "CANCELLED",
		ical.PropUID:     SessionUID("circle", 42, "lists.example.org"),
	} {
		if got, _ := ev.Props.Text(prop); got != want {
			t.Errorf("%s = %q, want %q", prop, got, want)
		}
	}
	if seq := ev.Props.Get(ical.PropSequence); seq == nil || seq.Value != "2" {
		t.Errorf("SEQUENCE = %+v, want 2", seq)
	}
	if got, _ := ev.Props.Text(ical.PropDescription); !strings.HasPrefix(got, desc) {
		t.Errorf("DESCRIPTION = %q, want it to start with %q", got, desc)
	}
	org := ev.Props.Get(ical.PropOrganizer)
	if org == nil || !strings.EqualFold(org.Value, "mailto:circle-owner@lists.example.org") || org.Params.Get(ical.ParamCommonName) != "Study Circle: Torah, Talmud; more" {
		t.Errorf("ORGANIZER = %+v", org)
	}
}
