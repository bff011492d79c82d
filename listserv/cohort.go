package listserv

import (
	"context"
	"errors"
	"fmt"
	"sort"
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
	subj, body, err := s.renderTx(tx, from, list.Name, "cohort-finished", data)
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

// dataInvited marks a join confirmation sent by NextCohort: the owner
// who ran it already chose the person, so confirming is enough.
const dataInvited = "invited"

// NextCohortResult is what `minyan cohort next` did.
type NextCohortResult struct {
	List store.List
	// Invited are the old list's waitlisted people, in waitlist order,
	// each sent a confirmation to join the new list.
	Invited []string
	// Skipped are waitlisted people who were not invited, with why.
	Skipped map[string]string
}

// NextCohort starts the next cohort of a community: a new community list
// with the old one's settings (its own cohort_end left to its sessions),
// the old list's facilitators, moderators and owners in their roles, and
// the old waitlist invited in order: each gets a confirmation to join
// and, on confirming, a seat while the new list's capacity lasts, else
// its waitlist. Only site admins (and the operator) may, as for any new
// list.
func (s *Service) NextCohort(ctx context.Context, a Actor, name, next, title string) (NextCohortResult, error) {
	var res NextCohortResult
	next = strings.TrimSpace(next)
	if err := ValidListName(next); err != nil {
		return res, fmt.Errorf("list name %q: %w", next, err)
	}
	err := s.st.Update(func(tx *store.Tx) error {
		res = NextCohortResult{Skipped: map[string]string{}}
		if err := authorizeSite(tx, a); err != nil {
			return err
		}
		old, err := s.authorize(tx, a, name, PermAdmin)
		if err != nil {
			return err
		}
		if old.Kind != KindCommunity {
			return RefuseSaying(fmt.Sprintf("%s is a %s list; only a community has cohorts", name, old.Kind), "cohort_err.not_community", name)
		}
		set := old.Settings
		set.CohortEnd = ""
		set.ReminderOffsets = append([]time.Duration(nil), set.ReminderOffsets...)
		if set.Advertised != nil {
			set.Advertised = new(*set.Advertised)
		}
		if title != "" {
			set.Title = title
		}
		if set.SubjectPrefix == "["+old.Name+"] " {
			set.SubjectPrefix = "[" + next + "] "
		}
		now := s.clock.Now()
		nl := store.List{Name: next, Kind: KindCommunity, Created: now, UIDValidity: uint32(now.Unix()), Settings: set}
		if nl.UIDValidity == 0 {
			nl.UIDValidity = 1
		}
		if err := s.createList(tx, a, nl); err != nil {
			return err
		}
		var leaders, waiting []store.Membership
		err = tx.EachMember(name, func(mb store.Membership) error {
			switch {
			case mb.Status == StatusWaitlist:
				waiting = append(waiting, mb)
			case mb.Role != ListMember && mb.Status != StatusPending && mb.Status != StatusBanned:
				leaders = append(leaders, mb)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, mb := range leaders {
			if _, err := s.admit(tx, nl, store.Membership{List: next, Address: mb.Address, Role: mb.Role, Mode: mb.Mode}, nil); err != nil {
				return err
			}
		}
		sort.SliceStable(waiting, func(i, j int) bool { return waiting[i].Joined.Before(waiting[j].Joined) })
		for _, mb := range waiting {
			why, err := s.invite(tx, nl, mb.Address)
			if err != nil {
				return err
			}
			if why != "" {
				res.Skipped[mb.Address] = why
				continue
			}
			res.Invited = append(res.Invited, mb.Address)
		}
		if old.Cohort != nil {
			c := *old.Cohort
			c.Next = next
			if _, err := s.putCohort(tx, old, c); err != nil {
				return err
			}
		}
		res.List = nl
		return s.AuditChange(tx, a, name, fmt.Sprintf("started the next cohort %s and invited %d from the waitlist", next, len(res.Invited)))
	})
	return res, err
}

// invite sends addr a confirmation to join list l that needs no
// moderator after it (dataInvited). why says why addr was not invited
// (not in good standing, banned, already on the list).
func (s *Service) invite(tx *store.Tx, l store.List, addr string) (why string, err error) {
	mb, err := tx.Membership(l.Name, addr)
	switch {
	case err == nil && mb.Status != StatusPending:
		return "already on " + l.Name + " (" + string(mb.Status) + ")", nil
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return "", err
	case err != nil:
		mb = store.Membership{List: l.Name, Address: addr, Role: ListMember, Mode: ModeEach, Status: StatusPending, Joined: s.clock.Now()}
	}
	if reason := s.standingProblem(tx, l, addr); !reason.IsZero() {
		return reason.In(languageFor(tx, addr, l.Name)), nil
	}
	tok, err := s.newConfirmation(tx, &mb, TokenConfirmJoin, dataInvited)
	if err != nil {
		return "", err
	}
	subj, body, err := s.renderTx(tx, addr, l.Name, "cohort-invite", map[string]any{
		"Title": l.Settings.Title, "Address": addr, "ListAddress": s.addr(l.Name, RolePost, ""),
		"URL": s.o.PublicURL + "/confirm/" + tok, "Expires": s.clock.Now().Add(confirmTTL),
	})
	if err != nil {
		return "", err
	}
	return "", s.queueNotice(tx, notice{List: l.Name, To: []string{addr}, From: s.addr(l.Name, RoleRequest, ""),
		ReplyTo: s.addr(l.Name, RoleConfirm, tok), Subject: subj, Body: body})
}

// PublicURL is where the web pages are reached, for links in the mail
// the scheduler writes.
func (s *Service) PublicURL() string { return s.o.PublicURL }
