package digest

import (
	"fmt"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// The end of a community's cohort is a clock-driven job like the
// session mail: planned from the list's settings and sessions on every
// pass, carried out once (its mark is written in the transaction that
// carries it out), so a restart neither skips nor repeats it.

// lastSessionDay is the local day (in the session's zone) on which the
// last scheduled session of a list ends, "" without one.
func lastSessionDay(sessions []SessionInfo) string {
	var last *SessionInfo
	for i := range sessions {
		si := &sessions[i]
		if si.Status != store.SessionScheduled {
			continue
		}
		if last == nil || si.End.After(last.End) {
			last = si
		}
	}
	if last == nil {
		return ""
	}
	loc, err := loadZone(last.Zone)
	if err != nil {
		loc = time.UTC
	}
	return last.End.Add(-time.Nanosecond).In(loc).Format("2006-01-02")
}

// cohortEndKey is the job mark of a cohort's end: one per incarnation of
// the list.
func cohortEndKey(l store.List) string {
	return fmt.Sprintf("cohort-end/%s/%d", l.Name, l.UIDValidity)
}

// runCohort ends a community's cohort when its end has come, and returns
// when it will (zero when it has no end or has ended).
func (s *Scheduler) runCohort(l store.List, now time.Time) (time.Time, error) {
	if l.Kind != listserv.KindCommunity || l.Cohort != nil {
		return time.Time{}, nil
	}
	key := cohortEndKey(l)
	var (
		day  string
		at   time.Time
		ok   bool
		done bool
	)
	err := s.st.View(func(tx *store.Tx) error {
		if done = tx.JobDone(key); done {
			return nil
		}
		var last string
		if l.Settings.CohortEnd == "" {
			sessions, err := loadSessions(tx, l, s.log)
			if err != nil {
				return err
			}
			last = lastSessionDay(sessions)
		}
		day, at, ok = listserv.CohortEndAt(l, last)
		return nil
	})
	if err != nil || done || !ok {
		return time.Time{}, err
	}
	if now.Before(at) {
		return at, nil
	}
	ended := false
	err = s.st.Update(func(tx *store.Tx) error {
		if tx.JobDone(key) {
			return nil
		}
		var err error
		if _, ended, err = s.svc.EndCohort(tx, listserv.Actor{Door: listserv.DoorSystem}, l.Name, day); err != nil {
			return err
		}
		return s.mark(tx, key, now)
	})
	if err == nil && ended {
		s.log.Info("cohort ended", "list", l.Name, "day", day)
	}
	return time.Time{}, err
}
