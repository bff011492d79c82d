package digest

import (
	"errors"
	"fmt"
	"net/mail"
	"time"

	"minyan/listserv/mailcompose"
	"minyan/listserv/outbox"

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
// the list and last day (a new cohort_end re-arms an end that was
// skipped).
func cohortEndKey(l store.List, day string) string {
	return fmt.Sprintf("cohort-end/%s/%d/%s", l.Name, l.UIDValidity, day)
}

// cohortCatchUp is how long after its moment a cohort's end is still
// carried out (after downtime). An end further back is skipped and
// logged: a community whose sessions ended long before this server knew
// of cohorts (an upgrade) is not closed under its members' feet; its
// owners set cohort_end to end it.
const cohortCatchUp = 30 * 24 * time.Hour

// runCohort ends a community's cohort when its end has come, and returns
// when it will (zero when it has no end or has ended).
func (s *Scheduler) runCohort(l store.List, now time.Time) (time.Time, error) {
	if l.Kind != listserv.KindCommunity {
		return time.Time{}, nil
	}
	if l.Cohort != nil {
		return s.runHarvestSummary(l, now)
	}
	var (
		day  string
		at   time.Time
		ok   bool
		done bool
		key  string
	)
	err := s.st.View(func(tx *store.Tx) error {
		var last string
		if l.Settings.CohortEnd == "" {
			sessions, err := loadSessions(tx, l, s.log)
			if err != nil {
				return err
			}
			last = lastSessionDay(sessions)
		}
		day, at, ok = listserv.CohortEndAt(l, last)
		key = cohortEndKey(l, day)
		done = ok && tx.JobDone(key)
		return nil
	})
	if err != nil || done || !ok {
		return time.Time{}, err
	}
	if now.Before(at) {
		return at, nil
	}
	if now.Sub(at) > cohortCatchUp {
		err := s.st.Update(func(tx *store.Tx) error {
			if tx.JobDone(key) {
				return nil
			}
			return tx.MarkJob(key, now)
		})
		if err == nil {
			s.log.Warn("cohort end long past: not carried out; set cohort_end to end it", "list", l.Name, "day", day)
		}
		return time.Time{}, err
	}
	ended := false
	err = s.st.Update(func(tx *store.Tx) error {
		if tx.JobDone(key) {
			return nil
		}
		// The harvest mail goes first, while the pairs still get the
		// list's mail.
		if err := s.queueHarvest(tx, l, key, now); err != nil {
			return err
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

// harvestData is what cohort-harvest sees.
type harvestData struct {
	Title, List, Names, ListAddress string
	HarvestAfter                    listserv.Span
}

// queueHarvest asks each chevruta pair of the current round what they
// made: one mail to the pair with a Reply-To of their own.
func (s *Scheduler) queueHarvest(tx *store.Tx, l store.List, key string, now time.Time) error {
	p, err := tx.Pairing(l.Name)
	if errors.Is(err, store.ErrNotFound) || (err == nil && p.ListUID != l.UIDValidity) {
		return nil
	}
	if err != nil {
		return err
	}
	for gi, g := range p.Groups {
		var (
			pair  []string
			addrs []*mail.Address
			names []string
			rcpts []store.QueuedRcpt
		)
		for _, a := range g {
			mb, err := tx.Membership(l.Name, a)
			if err != nil || !listserv.Counts(mb) {
				continue
			}
			pair = append(pair, mb.Address)
			addrs = append(addrs, personAddress(tx, a))
			names = append(names, personName(tx, a))
			rcpts = append(rcpts, s.svc.MemberRecipient(l, mb))
		}
		if len(pair) == 0 {
			continue
		}
		replyTo, err := s.svc.HarvestAddress(tx, l, pair)
		if err != nil {
			return err
		}
		title := l.Settings.Title
		if title == "" {
			title = l.Name
		}
		subject, body, err := s.svc.RenderIn(listLang(l), l.Name, "cohort-harvest", harvestData{Title: title, List: l.Name, Names: listserv.JoinNames(names),
			ListAddress: s.svc.Address(l.Name, listserv.RolePost, ""), HarvestAfter: listserv.Span(listserv.HarvestAfter(l.Settings))})
		if err != nil {
			return err
		}
		h := s.ownerMail(l, subject, fmt.Sprintf("%s/r%d/g%d", key, p.Round, gi+1), now)
		h.To, h.ReplyTo = mailcompose.Addresses(addrs...), []string{replyTo}
		raw := mailcompose.Compose(h, mailcompose.Text(body))
		if _, err := s.outbox.Enqueue(tx, outbox.Message{List: l.Name, Raw: raw, At: now}, rcpts, kindHarvest); err != nil {
			return err
		}
	}
	return nil
}

// harvestSummaryData is what cohort-what-we-made sees.
type harvestSummaryData struct {
	Title, List, HubURL string
	Entries             []listserv.HarvestEntry
}

// runHarvestSummary sends the "What we made" mail harvest_after after a
// cohort ended, once, to everyone of the cohort (alumni included).
func (s *Scheduler) runHarvestSummary(l store.List, now time.Time) (time.Time, error) {
	due := l.Cohort.At.Add(listserv.HarvestAfter(l.Settings))
	key := fmt.Sprintf("harvest-summary/%s/%d", l.Name, l.UIDValidity)
	if now.Before(due) {
		done := false
		s.st.View(func(tx *store.Tx) error { done = tx.JobDone(key); return nil })
		if done {
			return time.Time{}, nil
		}
		return due, nil
	}
	n := 0
	err := s.st.Update(func(tx *store.Tx) error {
		if tx.JobDone(key) {
			return nil
		}
		fresh, err := tx.List(l.Name)
		if err != nil || fresh.UIDValidity != l.UIDValidity || fresh.Cohort == nil {
			return err
		}
		entries, err := s.svc.HarvestEntries(tx, fresh)
		if err != nil {
			return err
		}
		var rcpts []store.QueuedRcpt
		err = tx.EachMember(l.Name, func(mb store.Membership) error {
			if (listserv.Deliverable(mb) || mb.Status == listserv.StatusAlumni) && mb.Mode != listserv.ModeNomail {
				rcpts = append(rcpts, s.svc.MemberRecipient(fresh, mb))
			}
			return nil
		})
		if err != nil {
			return err
		}
		title := fresh.Settings.Title
		if title == "" {
			title = fresh.Name
		}
		if len(rcpts) > 0 && len(entries) > 0 {
			subject, body, err := s.svc.RenderIn(listLang(l), l.Name, "cohort-what-we-made", harvestSummaryData{Title: title, List: l.Name, Entries: entries,
				HubURL: s.svc.PublicURL() + "/resources?list=" + l.Name + "&tag=" + listserv.HarvestTag})
			if err != nil {
				return err
			}
			h := s.ownerMail(fresh, subject, key, now)
			h.To = mailcompose.Addresses(&mail.Address{Name: title, Address: s.svc.Address(l.Name, listserv.RolePost, "")})
			raw := mailcompose.Compose(h, mailcompose.Text(body))
			if _, err := s.outbox.Enqueue(tx, outbox.Message{List: l.Name, Raw: raw, At: now}, rcpts, kindHarvest); err != nil {
				return err
			}
			n = len(rcpts)
		}
		return s.mark(tx, key, now)
	})
	if err == nil && n > 0 {
		s.log.Info("what we made mailed", "list", l.Name, "recipients", n)
	}
	return time.Time{}, err
}
