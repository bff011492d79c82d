package digest

import (
	"errors"
	"fmt"
	"time"

	"minyan/listserv"
	"minyan/listserv/outbox"
	"minyan/store"
)

// Kinds of scheduled mail, which are also the kinds of the mail queued.
const (
	kindReminder      = outbox.KindReminder
	kindSessionDigest = outbox.KindSessionDigest
	kindCheckin       = outbox.KindPairsCheckin
	kindShare         = outbox.KindPairsShare
	kindWeekly        = outbox.KindWeeklyDigest
	kindUpdate        = outbox.KindSessionUpdate
	kindCancel        = outbox.KindSessionCancel
	// kindAnnounce opens registration for a session with seats or
	// questions: session news to every member, like an update.
	kindAnnounce = outbox.KindSessionUpdate
	// kindStillComing asks registered people whether they still come;
	// kindFeedback asks those who attended for a rating (followup.go).
	kindStillComing = outbox.KindStillComing
	kindFeedback    = outbox.KindFeedback
	// kindHarvest is the cohort's harvest mail and its "What we made".
	kindHarvest = outbox.KindHarvest
)

// defaultShareBefore is when the share reminder goes out before the last
// session of a series if the list has no session digest.
const defaultShareBefore = 48 * time.Hour

// SessionInfo is a stored session with its instants computed from its
// zone's rules.
type SessionInfo struct {
	store.Session
	Start, End time.Time
}

// listSession reads session id of list l with its instants, or
// ErrNoSession when l has no such session (none, or one of an earlier
// list of the same name: sessions keep the UIDValidity of their list).
func listSession(tx *store.Tx, l store.List, id uint64) (store.Session, SessionInfo, error) {
	ss, err := tx.Session(l.Name, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && ss.ListUID != l.UIDValidity) {
		return ss, SessionInfo{}, ErrNoSession
	}
	if err != nil {
		return ss, SessionInfo{}, err
	}
	si, err := sessionInfo(ss)
	return ss, si, err
}

// organizerSession authorizes a for PermSessions on list and reads its
// session id, a missing one being listserv.ErrNotFound.
func (s *Scheduler) organizerSession(tx *store.Tx, a listserv.Actor, list string, id uint64) (store.List, store.Session, SessionInfo, error) {
	l, err := s.svc.Authorize(tx, a, list, listserv.PermSessions)
	if err != nil {
		return l, store.Session{}, SessionInfo{}, err
	}
	ss, si, err := listSession(tx, l, id)
	if errors.Is(err, ErrNoSession) {
		return l, ss, si, fmt.Errorf("%s has no session %d: %w", list, id, listserv.ErrNotFound)
	}
	return l, ss, si, err
}

func sessionInfo(ss store.Session) (SessionInfo, error) {
	start, err := Instant(ss.Zone, ss.Local)
	if err != nil {
		return SessionInfo{}, fmt.Errorf("session %d: %w", ss.ID, err)
	}
	end := start.Add(ss.Duration)
	if ss.AllDay {
		// Whole days on the wall clock: a day with a change of daylight
		// saving time is still one day.
		w, _ := parseWall(ss.Local)
		loc, _ := loadZone(ss.Zone)
		end = wallOf(w.naive().AddDate(0, 0, ss.Days())).in(loc)
	}
	if ss.Link != "" && !webLink(ss.Link) {
		ss.Link = "" // stored before checkLink refused it: never offer it
	}
	return SessionInfo{Session: ss, Start: start, End: end}, nil
}

// State is what `session ls` prints: scheduled, moved, cancelled or done.
func (si SessionInfo) State(now time.Time) SessionState {
	switch {
	case si.Status == store.SessionCancelled:
		return StateCancelled
	case !now.Before(si.End):
		return StateDone
	case si.Sequence > 0:
		return StateMoved
	}
	return StateScheduled
}

// SessionState is where a session stands for people (the STATUS column
// of `session ls`, the console, the API's "state"): derived from its
// record and the clock, never stored.
type SessionState string

// The states of a session.
const (
	StateScheduled SessionState = "scheduled"
	StateMoved     SessionState = "moved"
	StateDone      SessionState = "done"
	StateCancelled SessionState = "cancelled"
)

// Open tells whether a session in this state can still be moved or
// cancelled.
func (st SessionState) Open() bool { return st == StateScheduled || st == StateMoved }

// job is one scheduled mail: its idempotency key, when it falls due, and
// after when it is no longer worth sending.
type job struct {
	Key      string
	Kind     outbox.Kind
	Due      time.Time
	Deadline time.Time
	// S is the session the mail is about (for a check-in: the next one).
	S SessionInfo
	// Prev is the session before S, for check-ins.
	Prev   *SessionInfo
	Offset time.Duration
}

// before is the moment d before a session. Whole days are counted on
// the session's wall clock, so "24h" before a 19:00 session is 19:00 the
// day before even when daylight saving time changed overnight; other
// durations are exact.
func before(si SessionInfo, d time.Duration) time.Time {
	if d > 0 && d%(24*time.Hour) == 0 {
		if loc, err := loadZone(si.Zone); err == nil {
			if w, err := parseWall(si.Local); err == nil {
				return wallOf(w.naive().AddDate(0, 0, -int(d/(24*time.Hour)))).in(loc)
			}
		}
	}
	return si.Start.Add(-d)
}

// planSessions lists every session job of a list, past and future (the
// caller filters by due time and by what was already sent). Keys carry
// the session's SEQUENCE where a move should re-arm the mail for the new
// time. sessions must be sorted by start.
func planSessions(l store.List, sessions []SessionInfo, hasPairs bool) []job {
	var live []SessionInfo
	for _, si := range sessions {
		if si.Status == store.SessionScheduled {
			live = append(live, si)
		}
	}
	var jobs []job
	set := l.Settings
	// A session with registration is announced to every member when it
	// is made or, in a series, when the session before it begins: one
	// open registration at a time rather than a mail per session at once.
	prevStart := map[uint64]time.Time{}
	for _, si := range live {
		if si.Registration() {
			due := si.Created
			if p, ok := prevStart[si.Series]; ok && p.After(due) {
				due = p
			}
			jobs = append(jobs, job{
				Key:  fmt.Sprintf("announce/%s/%d", l.Name, si.ID),
				Kind: kindAnnounce, Due: due, Deadline: si.Start, S: si,
			})
		}
		prevStart[si.Series] = si.Start
	}
	for _, si := range live {
		for _, off := range set.ReminderOffsets {
			jobs = append(jobs, job{
				Key:  fmt.Sprintf("reminder/%s/%d/%s/s%d", l.Name, si.ID, listserv.FormatDuration(off), si.Sequence),
				Kind: kindReminder, Due: before(si, off), Deadline: si.Start, S: si, Offset: off,
			})
		}
		if set.ConfirmBefore > 0 && si.Seats > 0 {
			jobs = append(jobs, job{
				Key:  fmt.Sprintf("still-coming/%s/%d/s%d", l.Name, si.ID, si.Sequence),
				Kind: kindStillComing, Due: before(si, set.ConfirmBefore), Deadline: si.Start, S: si,
			})
		}
		if set.FeedbackAfter > 0 {
			due := si.End.Add(set.FeedbackAfter)
			jobs = append(jobs, job{
				Key:  fmt.Sprintf("feedback/%s/%d/s%d", l.Name, si.ID, si.Sequence),
				Kind: kindFeedback, Due: due, Deadline: due.Add(feedbackWindow), S: si,
			})
		}
		if set.SessionDigestBefore > 0 {
			jobs = append(jobs, job{
				Key:  fmt.Sprintf("session-digest/%s/%d/s%d", l.Name, si.ID, si.Sequence),
				Kind: kindSessionDigest, Due: before(si, set.SessionDigestBefore), Deadline: si.Start, S: si,
			})
		}
	}
	if !hasPairs {
		return jobs
	}
	// One check-in halfway between each two consecutive sessions.
	for i := 1; i < len(live); i++ {
		a, b := live[i-1], live[i]
		if !b.Start.After(a.Start) {
			continue
		}
		prev := a
		jobs = append(jobs, job{
			Key:  fmt.Sprintf("pairs-checkin/%s/%d-%d", l.Name, a.ID, b.ID),
			Kind: kindCheckin, Due: a.Start.Add(b.Start.Sub(a.Start) / 2), Deadline: b.Start, S: b, Prev: &prev,
		})
	}
	// Before the last session of a series: share what the pair produced.
	last := map[uint64]SessionInfo{}
	for _, si := range live {
		if si.Count >= 2 {
			last[si.Series] = si // live is sorted, so the last one wins
		}
	}
	shareBefore := set.SessionDigestBefore
	if shareBefore <= 0 {
		shareBefore = defaultShareBefore
	}
	for _, si := range live {
		if l, ok := last[si.Series]; ok && l.ID == si.ID {
			jobs = append(jobs, job{
				Key:  fmt.Sprintf("pairs-share/%s/%d", si.List, si.ID),
				Kind: kindShare, Due: before(si, shareBefore), Deadline: si.Start, S: si,
			})
		}
	}
	return jobs
}
