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
	// Link is the meeting link: LOCATION and URL.
	Link string
	// Organizer is the address that stands for the list's organizers and
	// OrganizerName its display name.
	Organizer, OrganizerName string
	Cancelled                bool
}

// SessionUID is the stable iCalendar UID of a session: the same in every
// reminder, update and cancellation, so calendars update one entry.
func SessionUID(list string, id uint64, domain string) string {
	return fmt.Sprintf("session-%d-%s@%s", id, list, domain)
}

// ICS renders an invite as an RFC 5545 object: CRLF line endings, lines
// folded at 75 octets, times in UTC (so no VTIMEZONE is needed), DTSTAMP,
// and the properties RFC 5546 requires for PUBLISH and CANCEL (ORGANIZER,
// UID, SEQUENCE, DTSTART, SUMMARY).
func ICS(inv Invite) ([]byte, error) {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropProductID, "-//minyan//sessions//EN")
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(ical.PropMethod, inv.Method)

	ev := ical.NewEvent()
	ev.Props.SetText(ical.PropUID, inv.UID)
	ev.Props.SetDateTime(ical.PropDateTimeStamp, inv.Stamp.UTC().Truncate(time.Second))
	ev.Props.SetDateTime(ical.PropDateTimeStart, inv.Start.UTC())
	ev.Props.SetDateTime(ical.PropDateTimeEnd, inv.End.UTC())
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
		ev.Props.SetText(ical.PropLocation, inv.Link)
		ev.Props.SetURI(ical.PropURL, u)
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
