package digest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// Limits of `session add`.
const (
	MaxSeries       = 260 // five years of weekly sessions
	DefaultDuration = 90 * time.Minute
	// MaxDuration is the longest session: a two-week training.
	MaxDuration = 14 * 24 * time.Hour
	maxTopic    = 200
)

// AddRequest describes a session or a series (`minyan session add`).
type AddRequest struct {
	List string
	// Zone is an IANA time zone; "" uses the list's timezone.
	Zone string
	// Start is the first session's wall-clock time in Zone,
	// "YYYY-MM-DD HH:MM".
	Start string
	// Every is "", weekly, biweekly or monthly; Count how many sessions
	// (1 when Every is "").
	Every    string
	Count    int
	Duration time.Duration
	Link     string
	Topic    string
	// AllDay makes whole-day sessions: Start may be a date alone
	// ("YYYY-MM-DD"), Duration is whole days (default one day).
	AllDay bool
	// Location is the place, besides or instead of Link.
	Location string
	// Seats caps registrations (0: no cap); Questions (at most
	// MaxQuestions) are asked of everyone who registers.
	Seats     int
	Questions []string
}

// Added reports a new series.
type Added struct {
	Sessions []SessionInfo
	// Rule says how a monthly series recurs ("the first Thursday of each
	// month"); Note what a fifth-weekday series does in other months.
	Rule, Note string
}

// AddSessions creates a session or a whole series at once: every
// session is its own record (its own ID, movable and cancellable alone).
// It needs PermSessions on the list; the change is recorded in the audit
// log in the same transaction.
func (s *Scheduler) AddSessions(ctx context.Context, a listserv.Actor, req AddRequest) (Added, error) {
	var out Added
	now := s.svc.Now()
	if req.Count == 0 {
		req.Count = 1
	}
	if req.Count < 1 || req.Count > MaxSeries {
		return out, listserv.RefuseSaying(fmt.Sprintf("--count must be between 1 and %d", MaxSeries), "session_err.count", MaxSeries)
	}
	if req.Every != "" && req.Every != EveryWeekly && req.Every != EveryBiweekly && req.Every != EveryMonthly {
		return out, listserv.RefuseSaying(fmt.Sprintf("--every %q: must be weekly, biweekly or monthly", req.Every), "session_err.every")
	}
	if req.Every == "" && req.Count > 1 {
		return out, listserv.RefuseSaying(fmt.Sprintf("--count %d needs --every weekly, biweekly or monthly", req.Count), "session_err.count_needs_every")
	}
	if err := checkEvent(&req); err != nil {
		return out, err
	}
	link, err := checkLink(req.Link)
	if err != nil {
		return out, err
	}
	topic := strings.TrimSpace(oneLine(req.Topic))
	if len(topic) > maxTopic {
		return out, listserv.RefuseSaying(fmt.Sprintf("--topic is longer than %d characters", maxTopic), "session_err.topic", maxTopic)
	}
	err = s.st.Update(func(tx *store.Tx) error {
		l, err := s.svc.Authorize(tx, a, req.List, listserv.PermSessions)
		if err != nil {
			return err
		}
		zone := req.Zone
		if zone == "" {
			zone = l.Settings.Timezone
		}
		if _, err := loadZone(zone); err != nil {
			return fmt.Errorf("--tz: %w", err)
		}
		locals, err := Occurrences(req.Start, req.Every, req.Count)
		if err != nil {
			return fmt.Errorf("--start %w", err)
		}
		if req.Every == EveryMonthly {
			out.Rule, out.Note, _ = MonthlyRule(req.Start)
		}
		var series uint64
		for i, local := range locals {
			id, err := tx.NewSessionID()
			if err != nil {
				return err
			}
			if i == 0 {
				series = id
			}
			ss := store.Session{
				ID: id, List: l.Name, ListUID: l.UIDValidity, Series: series, Index: i + 1, Count: len(locals),
				Every: req.Every, Zone: zone, Local: local, Duration: req.Duration, Link: link, Topic: topic,
				Status: store.SessionScheduled, Created: now,
				AllDay: req.AllDay, Location: req.Location, Seats: req.Seats, Questions: req.Questions,
			}
			si, err := sessionInfo(ss)
			if err != nil {
				return err
			}
			if i == 0 && (!req.AllDay && !si.Start.After(now) || req.AllDay && !si.End.After(now)) {
				return listserv.RefuseSaying(fmt.Sprintf("--start %s (%s) is in the past", req.Start, zone), "session_err.past", req.Start, zone)
			}
			if err := tx.PutSession(ss); err != nil {
				return err
			}
			out.Sessions = append(out.Sessions, si)
		}
		return s.svc.AuditChange(tx, a, l.Name, fmt.Sprintf("scheduled %d session(s) from %s (%s)", len(locals), req.Start, zone))
	})
	if err != nil {
		return Added{}, err
	}
	s.log.Info("sessions added", "list", req.List, "count", len(out.Sessions), "every", req.Every, "first", out.Sessions[0].Start)
	s.Kick()
	return out, nil
}

// checkLink accepts a meeting link: a full http or https URL. Other
// schemes (javascript:, data:, file:) would run or open something in the
// reader's calendar or mail app.
func checkLink(link string) (string, error) {
	link = strings.TrimSpace(link)
	if link == "" {
		return "", nil
	}
	if !webLink(link) {
		return "", listserv.RefuseSaying(fmt.Sprintf("--link %q: give a full meeting URL such as https://meet.example.org/abc", link), "session_err.link")
	}
	return link, nil
}

// webLink tells whether link is a full http or https URL with a host and
// nothing that could break out of a calendar field or a mail line.
func webLink(link string) bool {
	u, err := url.Parse(link)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.Opaque == "" &&
		!strings.ContainsAny(link, " \t\r\n\"<>\\")
}

// Listed is a session with its RSVP answers, for `session ls`.
type Listed struct {
	SessionInfo
	State SessionState
	RSVP  RSVPSummary
	// Registered and Waitlisted count the members holding a seat and
	// waiting for one (the console's seats column).
	Registered, Waitlisted int
}

// Sessions returns a list's sessions by start time, with their state at
// the clock's now and their RSVP answers (names included: organizers
// only): the one listing, for the console, `session ls` and the API. It
// needs PermSessions.
func (s *Scheduler) Sessions(ctx context.Context, a listserv.Actor, list string) ([]Listed, error) {
	now := s.svc.Now()
	var out []Listed
	err := s.st.View(func(tx *store.Tx) error {
		l, err := s.svc.Authorize(tx, a, list, listserv.PermSessions)
		if err != nil {
			return err
		}
		ss, err := loadSessions(tx, l, s.log)
		if err != nil {
			return err
		}
		for _, si := range ss {
			r, err := rsvpSummary(tx, list, si.ID)
			if err != nil {
				return err
			}
			reg, wait, err := seatCounts(tx, list, si.ID)
			if err != nil {
				return err
			}
			out = append(out, Listed{SessionInfo: si, State: si.State(now), RSVP: r, Registered: reg, Waitlisted: wait})
		}
		return nil
	})
	return out, err
}

// changeSession loads a session that can still change (not cancelled,
// not begun), applies fn, raises SEQUENCE, stores it, and queues the
// update or cancellation mail under key(new session), all in one
// transaction. It returns the session after the change and how many
// members were told.
func (s *Scheduler) changeSession(a listserv.Actor, list string, id uint64, verb string, fn func(l store.List, ss *store.Session) error, mail func(l store.List, before, after SessionInfo) (sessionMail, error), also func(tx *store.Tx, l store.List, after SessionInfo) error) (SessionInfo, int, error) {
	now := s.svc.Now()
	var (
		after SessionInfo
		n     int
	)
	err := s.st.Update(func(tx *store.Tx) error {
		l, err := s.svc.Authorize(tx, a, list, listserv.PermSessions)
		if err != nil {
			return err
		}
		ss, before, err := listSession(tx, l, id)
		if errors.Is(err, ErrNoSession) {
			return listserv.RefuseSaying(fmt.Sprintf("%s has no session %d", list, id), "session_err.none", list, id)
		}
		if err != nil {
			return err
		}
		if ss.Status == store.SessionCancelled {
			return listserv.RefuseSaying(fmt.Sprintf("session %d of %s is cancelled; add a new one instead", id, list), "session_err.cancelled")
		}
		if !now.Before(before.Start) {
			return listserv.RefuseSaying(fmt.Sprintf("session %d of %s has already begun; it can no longer be %s", id, list, verb), "session_err.begun_"+verb)
		}
		if err := fn(l, &ss); err != nil {
			return err
		}
		ss.Sequence++
		ss.Updated = now
		if after, err = sessionInfo(ss); err != nil {
			return err
		}
		if err := tx.PutSession(ss); err != nil {
			return err
		}
		if err := s.svc.AuditChange(tx, a, l.Name, fmt.Sprintf("%s session %d (%s)", verb, id, ss.Local)); err != nil {
			return err
		}
		if also != nil {
			if err := also(tx, l, after); err != nil {
				return err
			}
		}
		m, err := mail(l, before, after)
		if err != nil {
			return err
		}
		if tx.JobDone(m.key) {
			return nil
		}
		if n, err = s.queueSessionMail(tx, l, after, m, now); err != nil {
			return err
		}
		return s.mark(tx, m.key, now)
	})
	if err != nil {
		return SessionInfo{}, 0, err
	}
	s.Kick()
	return after, n, nil
}

// MoveSession gives a session a new wall-clock start in its own zone,
// raises its SEQUENCE and mails every member an update carrying the
// calendar entry under the same UID. Reminders re-arm for the new time;
// those whose moment has already passed are covered by the update mail
// and are not sent again.
func (s *Scheduler) MoveSession(ctx context.Context, a listserv.Actor, list string, id uint64, start string) (SessionInfo, int, error) {
	now := s.svc.Now()
	si, n, err := s.changeSession(a, list, id, "moved",
		func(l store.List, ss *store.Session) error {
			w, err := parseWall(start)
			if err != nil {
				return fmt.Errorf("--start %w", err)
			}
			loc, err := loadZone(ss.Zone)
			if err != nil {
				return err
			}
			if !w.in(loc).After(now) {
				return listserv.RefuseSaying(fmt.Sprintf("--start %s (%s) is in the past", start, ss.Zone), "session_err.past", start, ss.Zone)
			}
			if w.String() == ss.Local {
				return listserv.RefuseSaying(fmt.Sprintf("session %d already starts at %s", ss.ID, start), "session_err.same_start", start)
			}
			ss.Local = w.String()
			return nil
		},
		func(l store.List, before, after SessionInfo) (sessionMail, error) {
			return sessionMail{
				kind: kindUpdate, template: "session-moved", method: MethodPublish, rsvp: true,
				key: fmt.Sprintf("update/%s/%d/s%d", list, id, after.Sequence),
				was: s.view(l, before).When,
			}, nil
		},
		// Reminders of the new time that are already due: the update
		// says it all, so they are marked sent with it.
		func(tx *store.Tx, l store.List, after SessionInfo) error {
			for _, j := range planSessions(l, []SessionInfo{after}, false) {
				already := j.Kind == kindReminder ||
					j.Kind == kindSessionDigest && tx.JobDone(fmt.Sprintf("session-digest/%s/%d/s%d", l.Name, id, after.Sequence-1))
				if already && !j.Due.After(now) && !tx.JobDone(j.Key) {
					if err := tx.MarkJob(j.Key, now); err != nil {
						return err
					}
				}
			}
			return nil
		})
	if err != nil {
		return si, n, err
	}
	s.log.Info("session moved", "list", list, "session", id, "start", si.Start, "sequence", si.Sequence, "recipients", n)
	return si, n, err
}

// CancelSession cancels one session and mails every member a
// METHOD:CANCEL calendar entry that removes it.
func (s *Scheduler) CancelSession(ctx context.Context, a listserv.Actor, list string, id uint64) (SessionInfo, int, error) {
	si, n, err := s.changeSession(a, list, id, "cancelled",
		func(l store.List, ss *store.Session) error {
			ss.Status = store.SessionCancelled
			return nil
		},
		func(l store.List, before, after SessionInfo) (sessionMail, error) {
			return sessionMail{
				kind: kindCancel, template: "session-cancelled", method: MethodCancel,
				key: fmt.Sprintf("cancel/%s/%d", list, id),
			}, nil
		}, nil)
	if err == nil {
		s.log.Info("session cancelled", "list", list, "session", id, "recipients", n)
	}
	return si, n, err
}
