package digest

import (
	"fmt"
	"net/mail"
	"time"

	"minyan/listserv"
	"minyan/listserv/i18n"
	"minyan/listserv/mailcompose"
	"minyan/store"
)

// SessionView is what the session templates (listserv/templates/
// session-*.txt, reminder-*.txt, pairs-*.txt) can use. Times are shown
// in the list's timezone; when the session was planned in another zone,
// LocalWhen shows it there too.
type SessionView struct {
	ID    uint64
	List  string
	Title string
	// Name is the topic, or "Session 2 of 6" without one, in the
	// reader's language ({{local .Name}}, or an argument of {{t}}).
	Name  SessionName
	Topic string
	// When is "Thursday, November 5, 2026, 19:00–20:30 EST"; WhenShort is
	// "Thu Nov 5, 19:00 EST"; each is written in the reader's language
	// ({{date .When}}).
	When, WhenShort SessionTime
	// Zone is the list's timezone.
	Zone string
	// LocalWhen is the time in the session's own zone, nil when it is
	// the list's.
	LocalWhen *SessionTime
	Start     string // RFC 3339
	// Duration is how long it lasts, in the reader's language.
	Duration listserv.Span
	Link     string
	// Index and Count place the session in its series (Count 1: a single
	// session).
	Index, Count int
	// Location is the place ("" when none); AllDay marks sessions by date
	// and Days how many calendar days the session covers (1 for an
	// evening, 3 for a three-day convening).
	Location string
	AllDay   bool
	Days     int
	// Seats is the cap on registrations (0: none); Questions are asked
	// of everyone who registers. Registration is true when members
	// register (seats or questions).
	Seats        int
	Questions    []string
	Registration bool
	// Numbered are the questions as "1. Dietary needs?".
	Numbered     []string
	ListAddress  string
	OwnerAddress string
	// ListURL is the list's web page (its RSVP buttons).
	ListURL string
}

// listZone is the list's timezone, falling back to the session's own.
func listZone(l store.List, fallback string) *time.Location {
	if loc, err := loadZone(l.Settings.Timezone); err == nil {
		return loc
	}
	if loc, err := loadZone(fallback); err == nil {
		return loc
	}
	return time.UTC
}

func (s *Scheduler) view(l store.List, si SessionInfo) SessionView {
	loc := listZone(l, si.Zone)
	v := SessionView{
		ID: si.ID, List: l.Name, Title: l.Settings.Title, Topic: si.Topic,
		When:      SessionTime{Start: si.Start.In(loc), End: si.End.In(loc)},
		WhenShort: SessionTime{Start: si.Start.In(loc), End: si.End.In(loc), Short: true},
		Zone:      loc.String(),
		Start:     si.Start.In(loc).Format(time.RFC3339),
		Duration:  listserv.Span(si.Duration),
		Link:      si.Link,
		Index:     si.Index, Count: si.Count,
		ListAddress:  s.svc.Address(l.Name, listserv.RolePost, ""),
		OwnerAddress: s.svc.Address(l.Name, listserv.RoleOwner, ""),
		ListURL:      s.svc.PublicURL() + "/lists/" + l.Name,
	}
	if v.Title == "" {
		v.Title = l.Name
	}
	v.Location, v.AllDay, v.Seats, v.Questions, v.Registration = si.Location, si.AllDay, si.Seats, si.Questions, si.Registration()
	v.Days = spanDays(si.Start.In(loc), si.End.In(loc))
	for i, q := range si.Questions {
		v.Numbered = append(v.Numbered, fmt.Sprintf("%d. %s", i+1, q))
	}
	if si.AllDay {
		// Dates, on the session's own calendar: no zone to convert.
		sloc, err := loadZone(si.Zone)
		if err != nil {
			sloc = loc
		}
		v.Days = si.Days()
		first := si.Start.In(sloc)
		v.When = SessionTime{Start: first, AllDay: true, Days: si.Days()}
		v.WhenShort = SessionTime{Start: first, AllDay: true, Days: si.Days(), Short: true}
		v.Duration = listserv.Span(time.Duration(si.Days()) * 24 * time.Hour)
	} else if sloc, err := loadZone(si.Zone); err == nil && sloc.String() != loc.String() {
		v.LocalWhen = &SessionTime{Start: si.Start.In(sloc), End: si.End.In(sloc), Place: sloc.String()}
	}
	v.Name = SessionName{Topic: si.Topic, Index: si.Index, Count: si.Count}
	return v
}

// SessionName is a session's name: its topic, or without one "Session 2
// of 6" (or "Session" alone) in the reader's language. String is the
// English, for logs, the feed and answers that are still English.
type SessionName struct {
	Topic        string
	Index, Count int
}

// String is the name in English.
func (n SessionName) String() string { return n.In(i18n.English) }

// In writes the name in language l; a topic is the organizer's own words
// and stays as written.
func (n SessionName) In(l i18n.Lang) string {
	switch {
	case n.Topic != "":
		return n.Topic
	case n.Count > 1:
		return i18n.Builtin().T(l, "session_name.of", n.Index, n.Count)
	}
	return i18n.Builtin().T(l, "session_name.single")
}

// spanDays is how many calendar days a timed session touches.
func spanDays(start, end time.Time) int {
	if !end.After(start) {
		return 1
	}
	last := end.Add(-time.Nanosecond)
	a := time.Date(start.Year(), start.Month(), start.Day(), 12, 0, 0, 0, time.UTC)
	b := time.Date(last.Year(), last.Month(), last.Day(), 12, 0, 0, 0, time.UTC)
	return int(b.Sub(a)/(24*time.Hour)) + 1
}

// formatDateRange is "Nov 2–Nov 9, 2026" (or with both years when they
// differ), the range in a weekly digest's subject.
func formatDateRange(from, to time.Time) string {
	if from.Year() == to.Year() && from.YearDay() == to.YearDay() {
		return to.Format("Jan 2, 2006") // one day, not "Nov 21–Nov 21"
	}
	if from.Year() == to.Year() {
		return from.Format("Jan 2") + "–" + to.Format("Jan 2, 2006")
	}
	return from.Format("Jan 2, 2006") + "–" + to.Format("Jan 2, 2006")
}

// personName is a member's display name, or the address.
func personName(tx *store.Tx, addr string) string {
	if p, err := tx.Person(addr); err == nil && p.Name != "" {
		return p.Name
	}
	return addr
}

// personAddress is a member as a mail address with display name.
func personAddress(tx *store.Tx, addr string) *mail.Address {
	a := &mail.Address{Address: addr}
	if p, err := tx.Person(addr); err == nil {
		a.Name = p.Name
	}
	return a
}

// listFrom is the sender of a list's session mail: its owner address, so
// a person who writes back to the sender reaches the organizers.
func (s *Scheduler) listFrom(l store.List, role listserv.AddrRole) *mail.Address {
	title := l.Settings.Title
	if title == "" {
		title = l.Name
	}
	return &mail.Address{Name: title, Address: s.svc.Address(l.Name, role, "")}
}

// ownerMail is the header of a mail from list l's organizers (its owner
// address) with the list's headers; id is the key of its stable
// Message-ID, so a pass run again makes the same mail. Callers add To
// and Reply-To.
func (s *Scheduler) ownerMail(l store.List, subject, id string, now time.Time) mailcompose.Header {
	return mailcompose.Header{From: s.listFrom(l, listserv.RoleOwner).String(), Subject: subject,
		MessageID: mailcompose.StableID(id, s.svc.Domain()), Date: now, Extra: s.svc.ListHeaders(l), AutoSubmitted: "auto-generated"}
}

// oneLine keeps user-supplied text (topics, names) on one line.
func oneLine(s string) string { return mailcompose.OneLine(s) }
