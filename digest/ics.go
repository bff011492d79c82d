package digest

import (
	"bytes"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

// iCalendar methods (RFC 5546) minyan sends. PUBLISH is an announcement
// the recipient adds to a calendar without replying (the answer goes by
// mail, see rsvp.go); CANCEL removes it.
const (
	MethodPublish = "PUBLISH"
	MethodCancel  = "CANCEL"
)

// Invite is what the calendar part of a session mail says.
type Invite struct {
	Method      string
	UID         string
	Sequence    int
	Stamp       time.Time
	Start, End  time.Time
	Summary     string
	Description string
	// Link is the meeting link: URL, and LOCATION when there is no place.
	Link string
	// Location is the place people meet: LOCATION.
	Location string
	// AllDay writes DTSTART and DTEND as dates (VALUE=DATE, the end the
	// day after the last day), taken from Start and End in Zone.
	AllDay bool
	// Organizer is the address that stands for the list's organizers and
	// OrganizerName its display name.
	Organizer, OrganizerName string
	Cancelled                bool
	// Zone is the series' time zone. Start and End are then written as
	// wall-clock times with its TZID, and a VTIMEZONE with its rules for
	// the years of the event comes along, so a calendar keeps the local
	// time across a change of daylight saving time. nil or UTC writes UTC.
	Zone *time.Location
}

// SessionUID is the stable iCalendar UID of a session: the same in every
// reminder, update and cancellation, so calendars update one entry.
func SessionUID(list string, id uint64, domain string) string {
	return fmt.Sprintf("session-%d-%s@%s", id, list, domain)
}

// ICS renders an invite as an RFC 5545 object: CRLF line endings, lines
// folded at 75 octets, DTSTART and DTEND in the series' zone (TZID and a
// VTIMEZONE) or in UTC, DTSTAMP, and the properties RFC 5546 requires for
// PUBLISH and CANCEL (ORGANIZER, UID, SEQUENCE, DTSTART, SUMMARY).
func ICS(inv Invite) ([]byte, error) {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropProductID, "-//minyan//sessions//EN")
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(ical.PropMethod, inv.Method)

	ev := ical.NewEvent()
	ev.Props.SetText(ical.PropUID, inv.UID)
	ev.Props.SetDateTime(ical.PropDateTimeStamp, inv.Stamp.UTC().Truncate(time.Second))
	if inv.AllDay {
		loc := inv.Zone
		if loc == nil {
			loc = time.UTC
		}
		ev.Props.Set(dateValue(ical.PropDateTimeStart, inv.Start.In(loc)))
		ev.Props.Set(dateValue(ical.PropDateTimeEnd, inv.End.In(loc)))
	} else if zoned(inv.Zone) {
		cal.Children = append(cal.Children, vtimezone(inv.Zone, inv.Start, inv.End))
		ev.Props.Set(localTime(ical.PropDateTimeStart, inv.Start.In(inv.Zone)))
		ev.Props.Set(localTime(ical.PropDateTimeEnd, inv.End.In(inv.Zone)))
	} else {
		ev.Props.SetDateTime(ical.PropDateTimeStart, inv.Start.UTC())
		ev.Props.SetDateTime(ical.PropDateTimeEnd, inv.End.UTC())
	}
	// SEQUENCE is an INTEGER: SetText would add VALUE=TEXT.
	ev.Props.Set(&ical.Prop{Name: ical.PropSequence, Params: ical.Params{}, Value: strconv.Itoa(inv.Sequence)})
	ev.Props.SetText(ical.PropSummary, inv.Summary)
	if inv.Description != "" {
		ev.Props.SetText(ical.PropDescription, strings.TrimSpace(strings.ReplaceAll(inv.Description, "\r\n", "\n")))
	}
	if inv.Link != "" {
		u, err := url.Parse(inv.Link)
		if err != nil {
			return nil, fmt.Errorf("meeting link %q: %w", inv.Link, err)
		}
		if inv.Location == "" {
			ev.Props.SetText(ical.PropLocation, inv.Link)
		}
		ev.Props.SetURI(ical.PropURL, u)
	}
	if inv.Location != "" {
		ev.Props.SetText(ical.PropLocation, inv.Location)
	}
	org := &ical.Prop{Name: ical.PropOrganizer, Params: ical.Params{}, Value: "mailto:" + inv.Organizer}
	// A parameter value may hold neither line breaks nor control
	// characters (a list title typed with "\n" has one) nor a quote.
	name := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ReplaceAll(oneLine(inv.OrganizerName), `"`, "'"))
	if name = strings.TrimSpace(name); name != "" {
		org.Params.Set(ical.ParamCommonName, name)
	}
	ev.Props.Set(org)
	if inv.Cancelled {
		ev.SetStatus(ical.EventCancelled)
	} else {
		ev.SetStatus(ical.EventConfirmed)
	}
	ev.Props.SetText(ical.PropTransparency, "OPAQUE")
	cal.Children = append(cal.Children, ev.Component)

	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("calendar for %s: %w", inv.UID, err)
	}
	return foldICS(buf.Bytes()), nil
}

// foldICS folds content lines longer than 75 octets (RFC 5545 §3.1):
// CRLF followed by one space, never inside a UTF-8 sequence. go-ical
// writes every property on one line however long.
func foldICS(in []byte) []byte {
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(in), "\r\n") {
		line = strings.TrimSuffix(line, "\r\n")
		if line == "" {
			continue
		}
		limit := 75
		for len(line) > limit {
			cut := limit
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			out.WriteString(line[:cut])
			out.WriteString("\r\n ")
			line = line[cut:]
			limit = 74 // the leading space counts
		}
		out.WriteString(line)
		out.WriteString("\r\n")
	}
	return out.Bytes()
}

// icsLocal is the DATE-TIME form of a wall-clock time (no Z).
const icsLocal = "20060102T150405"

// dateValue is NAME;VALUE=DATE:YYYYMMDD, the date of t on its own
// calendar.
func dateValue(name string, t time.Time) *ical.Prop {
	p := &ical.Prop{Name: name, Params: ical.Params{}, Value: t.Format("20060102")}
	p.Params.Set(ical.ParamValue, string(ical.ValueDate))
	return p
}

// zoned reports whether times go out with a TZID: any named zone but UTC.
func zoned(loc *time.Location) bool {
	return loc != nil && loc != time.UTC && loc.String() != "UTC" && loc.String() != "Local" && loc.String() != ""
}

// localTime is NAME;TZID=zone:wall-clock time.
func localTime(name string, t time.Time) *ical.Prop {
	p := &ical.Prop{Name: name, Params: ical.Params{}, Value: t.Truncate(time.Second).Format(icsLocal)}
	p.Params.Set(ical.ParamTimezoneID, t.Location().String())
	return p
}

// vtimezone describes loc from Go's time zone data for the years from
// start to end: one STANDARD or DAYLIGHT observance for each change of
// offset in those years, and one for the period already in force on the
// first of January of the first year. Each observance's DTSTART is the
// wall-clock time of its onset in the offset before it, as RFC 5545 wants.
// Listing the onsets instead of rules keeps what Go knows exact, for
// zones whose rules changed as for the others.
func vtimezone(loc *time.Location, start, end time.Time) *ical.Component {
	tz := ical.NewComponent(ical.CompTimezone)
	tz.Props.SetText(ical.PropTimezoneID, loc.String())

	from := time.Date(start.In(loc).Year(), time.January, 1, 0, 0, 0, 0, loc)
	until := time.Date(end.In(loc).Year()+1, time.January, 1, 0, 0, 0, 0, loc)

	// The period in force at from, then each later one that begins before
	// until.
	onset, _ := from.ZoneBounds()
	t := from
	if !onset.IsZero() {
		t = onset
	}
	for range 64 { // a zone changes offset a few times a year at most
		_, off := t.Zone()
		_, before := t.Add(-time.Second).Zone()
		if onset.IsZero() && t.Equal(from) {
			before = off // no change of offset on record: one observance
		}
		tz.Children = append(tz.Children, observance(t, before))
		_, next := t.ZoneBounds()
		if next.IsZero() || !next.Before(until) {
			break
		}
		t = next
	}
	return tz
}

// observance is the STANDARD or DAYLIGHT sub-component whose period begins
// at onset, coming from the UTC offset before (seconds).
func observance(onset time.Time, before int) *ical.Component {
	name, off := onset.Zone()
	kind := ical.CompTimezoneStandard
	if onset.IsDST() {
		kind = ical.CompTimezoneDaylight
	}
	c := ical.NewComponent(kind)
	wall := onset.UTC().Add(time.Duration(before) * time.Second)
	if onset.Year() < 1970 {
		wall = time.Date(1970, time.January, 1, 0, 0, 0, 0, time.UTC)
	}
	c.Props.Set(&ical.Prop{Name: ical.PropDateTimeStart, Params: ical.Params{}, Value: wall.Format(icsLocal)})
	c.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetFrom, Params: ical.Params{}, Value: utcOffset(before)})
	c.Props.Set(&ical.Prop{Name: ical.PropTimezoneOffsetTo, Params: ical.Params{}, Value: utcOffset(off)})
	if name != "" {
		c.Props.SetText(ical.PropTimezoneName, name)
	}
	return c
}

// utcOffset formats seconds east of UTC as RFC 5545's UTC-OFFSET: +HHMM,
// or +HHMMSS when the seconds are not zero.
func utcOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	h, m, s := sec/3600, sec/60%60, sec%60
	if s != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, h, m, s)
	}
	return fmt.Sprintf("%c%02d%02d", sign, h, m)
}
