package listserv

import (
	"fmt"
	"strings"
	"time"

	"minyan/listserv/rewrite"
	"minyan/store"
)

// A community of practice is a cohort with an end (SPEC "Cohorts"): on
// its last day (cohort_end, or the day of its last session) it ends once,
// and with after_end=close its members become alumni who keep the
// archive and the hub but get no mail, and later posts are answered with
// a kind note instead of being distributed.

// The after_end values.
const (
	AfterEndClose    = "close"
	AfterEndContinue = "continue"
)

// cohortDay is the layout of cohort_end.
const cohortDay = "2006-01-02"

var cohortEndSetting = setting{
	get: func(s *store.Settings) string { return s.CohortEnd },
	set: func(s *store.Settings, v string, _ ServerDefaults) error {
		v = strings.TrimSpace(v)
		if v == "" {
			s.CohortEnd = ""
			return nil
		}
		if _, err := time.Parse(cohortDay, v); err != nil {
			return fmt.Errorf("must be a day as YYYY-MM-DD, such as 2027-06-30, or empty for the day of the last session")
		}
		s.CohortEnd = v
		return nil
	},
}

var afterEndSetting = setting{
	get: func(s *store.Settings) string { return afterEnd(*s) },
	set: func(s *store.Settings, v string, _ ServerDefaults) error {
		switch v = strings.ToLower(strings.TrimSpace(v)); v {
		case AfterEndClose, AfterEndContinue:
			s.AfterEnd = v
			return nil
		}
		return fmt.Errorf("must be one of %s, %s", AfterEndClose, AfterEndContinue)
	},
}

// afterEnd is the after_end setting with its default.
func afterEnd(s store.Settings) string {
	if s.AfterEnd == "" {
		return AfterEndClose
	}
	return s.AfterEnd
}

// CohortClosed tells whether a list is a community whose cohort ended
// with after_end=close.
func CohortClosed(l store.List) bool {
	return l.Kind == KindCommunity && l.Cohort != nil && l.Cohort.Closed
}

// CohortEndAt is the instant a community's cohort ends: the start of
// the day after its last day, in the list's time zone. lastSession is
// the day (YYYY-MM-DD) of its last scheduled session, the default when
// cohort_end is empty. ok is false when the list has no end.
func CohortEndAt(l store.List, lastSession string) (day string, at time.Time, ok bool) {
	if l.Kind != KindCommunity {
		return "", time.Time{}, false
	}
	day = l.Settings.CohortEnd
	if day == "" {
		day = lastSession
	}
	if day == "" {
		return "", time.Time{}, false
	}
	loc, err := time.LoadLocation(l.Settings.Timezone)
	if err != nil || l.Settings.Timezone == "" {
		loc = time.UTC
	}
	d, err := time.ParseInLocation(cohortDay, day, loc)
	if err != nil {
		return "", time.Time{}, false
	}
	return day, d.AddDate(0, 0, 1), true
}

// EndCohort carries out the end of a community's cohort inside the
// caller's transaction (the scheduler's, which marks the job there): it
// records the end and, with after_end=close, turns every plain member
// holding a place into an alumnus. It reports false when the cohort had
// already ended (nothing is done twice).
func (s *Service) EndCohort(tx *store.Tx, a Actor, name, day string) (store.List, bool, error) {
	l, err := tx.List(name)
	if err != nil {
		return l, false, err
	}
	if l.Kind != KindCommunity || l.Cohort != nil {
		return l, false, nil
	}
	closed := afterEnd(l.Settings) == AfterEndClose
	if closed {
		var alumni []store.Membership
		err := tx.EachMember(name, func(mb store.Membership) error {
			if mb.Role == ListMember && Counts(mb) {
				alumni = append(alumni, mb)
			}
			return nil
		})
		if err != nil {
			return l, false, err
		}
		for _, mb := range alumni {
			if err := s.makeAlumni(tx, mb); err != nil {
				return l, false, err
			}
		}
	}
	l, err = s.putCohort(tx, l, store.CohortState{Finished: day, At: s.clock.Now(), Closed: closed})
	if err != nil {
		return l, false, err
	}
	what := "the cohort ended (" + day + "); the list continues"
	if closed {
		what = "the cohort ended (" + day + "); the list closed and its members are alumni"
	}
	return l, true, s.AuditChange(tx, a, name, what)
}

// replyCohortFinished answers a post to a community whose cohort closed:
// a kind note that it finished and that its archive stays open.
func (s *Service) replyCohortFinished(tx *store.Tx, list store.List, from, name, subject, inReplyTo string) error {
	if from == "" {
		return nil
	}
	data := map[string]any{
		"Name": name, "Subject": subject, "ListAddress": s.addr(list.Name, RolePost, ""),
		"Title": list.Settings.Title, "Finished": list.Cohort.Finished,
		"ArchiveURL": s.o.PublicURL + "/lists/" + list.Name + "/archive", "OwnerAddress": s.addr(list.Name, RoleOwner, ""),
		"NextAddress": "",
	}
	if list.Cohort.Next != "" {
		data["NextAddress"] = s.addr(list.Cohort.Next, RolePost, "")
	}
	subj, body, err := s.render(list.Name, "cohort-finished", data)
	if err != nil {
		return err
	}
	return s.queueNotice(tx, notice{
		List: list.Name, To: []string{from}, From: s.addr(list.Name, RoleOwner, ""),
		Subject: subj, Body: body, InReplyTo: inReplyTo,
	})
}

// replyTarget is where a kind reply to a post goes: its author, and
// nobody for the null sender (no backscatter to bounces).
func replyTarget(env Envelope, m *rewrite.Message) string {
	if env.From == "" {
		return ""
	}
	return NormalizeAddress(m.From.Address)
}
