package digest

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

func TestICSParsesBackFieldByField(t *testing.T) {
	t.Parallel()
	start := time.Date(2027, 1, 7, 19, 0, 0, 0, mustZone(t, "America/New_York"))
	stamp := time.Date(2027, 1, 6, 19, 0, 0, 123, time.UTC)
	desc := "Pirkei Avot, chapter 2; bring questions.\nJoin: https://meet.example.org/x\n" +
		strings.Repeat("Ünïcödé text that goes on and on, ", 6)
	inv := Invite{
		Method: MethodPublish, UID: SessionUID("circle", 42, "lists.example.org"), Sequence: 3,
		Stamp: stamp, Start: start, End: start.Add(90 * time.Minute),
		Summary: "Study Circle: Pirkei Avot; chapter 2", Description: desc,
		Link:      "https://meet.example.org/abc-defg-hij?pwd=a,b;c",
		Organizer: "circle-owner@lists.example.org", OrganizerName: "Study Circle",
	}
	raw, err := ICS(inv)
	if err != nil {
		t.Fatal(err)
	}
	checkICSLines(t, raw)

	cal, err := ical.NewDecoder(bytes.NewReader(raw)).Decode()
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, raw)
	}
	text := func(p ical.Props, name string) string {
		t.Helper()
		v, err := p.Text(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return v
	}
	for name, want := range map[string]string{
		ical.PropVersion: "2.0", ical.PropProductID: "-//minyan//sessions//EN", ical.PropMethod: "PUBLISH", ical.PropCalendarScale: "GREGORIAN",
	} {
		if got := text(cal.Props, name); got != want {
			t.Errorf("VCALENDAR %s = %q, want %q", name, got, want)
		}
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	ev := evs[0]
	if got := text(ev.Props, ical.PropUID); got != "session-42-circle@lists.example.org" {
		t.Errorf("UID = %q", got)
	}
	seq := ev.Props.Get(ical.PropSequence)
	if n, err := seq.Int(); err != nil || n != 3 || seq.Params.Get(ical.ParamValue) != "" {
		t.Errorf("SEQUENCE = %v %v (params %v)", n, err, seq.Params)
	}
	for name, want := range map[string]time.Time{
		ical.PropDateTimeStamp: stamp.Truncate(time.Second),
		ical.PropDateTimeStart: start,
		ical.PropDateTimeEnd:   start.Add(90 * time.Minute),
	} {
		p := ev.Props.Get(name)
		if p == nil {
			t.Fatalf("no %s", name)
		}
		if !strings.HasSuffix(p.Value, "Z") || p.Params.Get(ical.PropTimezoneID) != "" {
			t.Errorf("%s = %q %v: want a UTC time without TZID", name, p.Value, p.Params)
		}
		got, err := p.DateTime(nil)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s = %v (%v), want %v", name, got, err, want)
		}
	}
	if got := text(ev.Props, ical.PropSummary); got != inv.Summary {
		t.Errorf("SUMMARY = %q", got)
	}
	if got := text(ev.Props, ical.PropDescription); got != strings.TrimSpace(desc) {
		t.Errorf("DESCRIPTION = %q, want %q", got, desc)
	}
	if got := text(ev.Props, ical.PropLocation); got != inv.Link {
		t.Errorf("LOCATION = %q", got)
	}
	if u, err := ev.Props.URI(ical.PropURL); err != nil || u.String() != inv.Link {
		t.Errorf("URL = %v %v", u, err)
	}
	org := ev.Props.Get(ical.PropOrganizer)
	if org == nil || org.Value != "mailto:circle-owner@lists.example.org" || org.Params.Get(ical.ParamCommonName) != "Study Circle" {
		t.Errorf("ORGANIZER = %+v", org)
	}
	if st, err := ev.Status(); err != nil || st != ical.EventConfirmed {
		t.Errorf("STATUS = %v %v", st, err)
	}

	inv.Method, inv.Cancelled, inv.Sequence = MethodCancel, true, 4
	raw, err = ICS(inv)
	if err != nil {
		t.Fatal(err)
	}
	checkICSLines(t, raw)
	cal, err = ical.NewDecoder(bytes.NewReader(raw)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	if m := text(cal.Props, ical.PropMethod); m != "CANCEL" {
		t.Errorf("METHOD = %q", m)
	}
	if st, _ := cal.Events()[0].Status(); st != ical.EventCancelled {
		t.Errorf("STATUS = %v", st)
	}
	if n, _ := cal.Events()[0].Props.Get(ical.PropSequence).Int(); n != 4 {
		t.Errorf("SEQUENCE = %d", n)
	}
}

// checkICSLines asserts RFC 5545 §3.1: CRLF after every line, no line
// over 75 octets, continuation lines starting with one space, no UTF-8
// sequence split across a fold.
func checkICSLines(t *testing.T, raw []byte) {
	t.Helper()
	if !bytes.HasSuffix(raw, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("bare LF or missing final CRLF")
	}
	folded := false
	for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
		if strings.HasPrefix(line, " ") {
			folded = true
		}
		if !utf8.ValidString(line) {
			t.Errorf("fold split a UTF-8 sequence: %q", line)
		}
	}
	if !folded {
		t.Errorf("long lines were not folded:\n%s", raw)
	}
}

func TestFoldICS(t *testing.T) {
	t.Parallel()
	long := "DESCRIPTION:" + strings.Repeat("é", 80) + "\r\n"
	out := string(foldICS([]byte("BEGIN:X\r\n" + long + "END:X\r\n")))
	unfolded := strings.ReplaceAll(out, "\r\n ", "")
	if unfolded != "BEGIN:X\r\n"+long+"END:X\r\n" {
		t.Errorf("unfolding does not give the input back:\n%q", out)
	}
	checkICSLines(t, []byte(out))
}

func mustZone(t *testing.T, z string) *time.Location {
	loc, err := time.LoadLocation(z)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
