package digest

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"minyan/store"
)

// CalendarFeed is a person's calendar feed (RFC 5545, no METHOD: a
// published calendar that Google Calendar, Outlook and Apple Calendar
// subscribe to): every session of every list addr is a member of, each
// at its wall-clock time with TZID in the session's own zone, and one
// VTIMEZONE per zone with its offset changes over the years the sessions
// span, so the calendars need no time zone database of their own.
func (s *Scheduler) CalendarFeed(addr string) ([]byte, error) {
	now := s.svc.Now()
	type ev struct {
		l  store.List
		si SessionInfo
	}
	var evs []ev
	err := s.st.View(func(tx *store.Tx) error {
		lists, err := personLists(tx, addr)
		if err != nil {
			return err
		}
		for _, l := range lists {
			ss, err := loadSessions(tx, l, nil)
			if err != nil {
				return err
			}
			for _, si := range ss {
				evs = append(evs, ev{l, si})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("calendar feed of %s: %w", addr, err)
	}
	var b bytes.Buffer
	line := func(k, v string) { b.WriteString(k + ":" + v + "\r\n") }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//minyan//calendar feed//EN")
	line("CALSCALE", "GREGORIAN")
	line("X-WR-CALNAME", icsText("Sessions at "+s.svc.Domain()))
	zones := map[string][2]time.Time{}
	for _, e := range evs {
		r, ok := zones[e.si.Zone]
		if !ok || e.si.Start.Before(r[0]) {
			r[0] = e.si.Start
		}
		if !ok || e.si.End.After(r[1]) {
			r[1] = e.si.End
		}
		zones[e.si.Zone] = r
	}
	names := make([]string, 0, len(zones))
	for z := range zones {
		names = append(names, z)
	}
	sort.Strings(names)
	for _, z := range names {
		loc, err := loadZone(z)
		if err != nil {
			continue
		}
		writeVTimezone(&b, loc, zones[z][0], zones[z][1])
	}
	for _, e := range evs {
		v := s.view(e.l, e.si)
		loc, err := loadZone(e.si.Zone)
		if err != nil {
			loc = time.UTC
		}
		line("BEGIN", "VEVENT")
		line("UID", SessionUID(e.l.Name, e.si.ID, s.svc.Domain()))
		line("DTSTAMP", now.UTC().Format("20060102T150405Z"))
		line("SEQUENCE", fmt.Sprint(e.si.Sequence))
		if e.si.AllDay {
			line("DTSTART;VALUE=DATE", e.si.Start.In(loc).Format("20060102"))
			line("DTEND;VALUE=DATE", e.si.End.In(loc).Format("20060102"))
		} else {
			line("DTSTART;TZID="+loc.String(), e.si.Start.In(loc).Format("20060102T150405"))
			line("DTEND;TZID="+loc.String(), e.si.End.In(loc).Format("20060102T150405"))
		}
		line("SUMMARY", icsText(v.Title+": "+v.Name.In(listLang(e.l))))
		if e.si.Location != "" {
			line("LOCATION", icsText(e.si.Location))
		} else if e.si.Link != "" {
			line("LOCATION", icsText(e.si.Link))
		}
		if e.si.Link != "" {
			line("URL", strings.NewReplacer("\r", "", "\n", "").Replace(e.si.Link))
		}
		line("DESCRIPTION", icsText("List: "+v.ListAddress+"\nOrganizers: "+v.OwnerAddress))
		if e.si.Status == store.SessionCancelled {
			line("STATUS", "CANCELLED")
		} else {
			line("STATUS", "CONFIRMED")
		}
		line("END", "VEVENT")
	}
	line("END", "VCALENDAR")
	return foldICS(b.Bytes()), nil
}

// icsText escapes a TEXT value (RFC 5545 §3.3.11).
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// writeVTimezone writes loc as a VTIMEZONE: one STANDARD or DAYLIGHT
// observance per offset change from a year before from to a year after
// to (each with its own DTSTART, no recurrence rule to get wrong), or a
// single STANDARD observance for a zone without changes.
func writeVTimezone(b *bytes.Buffer, loc *time.Location, from, to time.Time) {
	off := func(sec int) string {
		sign := "+"
		if sec < 0 {
			sign, sec = "-", -sec
		}
		return fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec/60%60)
	}
	b.WriteString("BEGIN:VTIMEZONE\r\nTZID:" + loc.String() + "\r\n")
	t := from.AddDate(-1, 0, 0).In(loc)
	end := to.AddDate(1, 0, 0)
	name, offset := t.Zone()
	first := true
	wrote := false
	for i := 0; i < 400 && t.Before(end); i++ {
		_, next := t.ZoneBounds()
		if next.IsZero() || next.After(end) {
			break
		}
		n := next.In(loc)
		nname, noff := n.Zone()
		kind := "STANDARD"
		if n.IsDST() {
			kind = "DAYLIGHT"
		}
		if first && !wrote {
			// The offset in force before the first change, so times
			// before it are defined too.
			pk := "STANDARD"
			if t.IsDST() {
				pk = "DAYLIGHT"
			}
			start := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
			fmt.Fprintf(b, "BEGIN:%s\r\nDTSTART:%s\r\nTZOFFSETFROM:%s\r\nTZOFFSETTO:%s\r\nTZNAME:%s\r\nEND:%s\r\n",
				pk, start.Format("20060102T150405"), off(offset), off(offset), name, pk)
			first = false
		}
		// DTSTART of an observance is local time in the offset before it.
		local := next.Add(time.Duration(offset) * time.Second).UTC()
		fmt.Fprintf(b, "BEGIN:%s\r\nDTSTART:%s\r\nTZOFFSETFROM:%s\r\nTZOFFSETTO:%s\r\nTZNAME:%s\r\nEND:%s\r\n",
			kind, local.Format("20060102T150405"), off(offset), off(noff), nname, kind)
		wrote = true
		t, name, offset = n, nname, noff
	}
	if !wrote {
		fmt.Fprintf(b, "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:%s\r\nTZOFFSETTO:%s\r\nTZNAME:%s\r\nEND:STANDARD\r\n",
			off(offset), off(offset), name)
	}
	b.WriteString("END:VTIMEZONE\r\n")
}
