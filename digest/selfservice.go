package digest

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// What the web shows of sessions and pairs, for one actor: upcoming
// sessions of a list (meeting links only for its members), a person's
// sessions across their lists with their RSVP, their chevruta partners,
// and their calendar feed. Who may see what is decided by listserv's
// ListPage; these only gather the data.

// Upcoming is one session as a page shows it.
type Upcoming struct {
	SessionView
	ListName string
	// ViewerWhen is the time in the zone the viewer asked for ("" when
	// none was asked or it is the list's zone).
	ViewerWhen string
	Start      time.Time
	Cancelled  bool
	// MyAnswer is the viewer's RSVP (yes, no, maybe or "").
	MyAnswer string
}

// maxUpcoming bounds how many sessions a page lists per list.
const maxUpcoming = 10

// ListSessions returns the sessions of list name that have not ended,
// for actor a. Meeting links are blanked unless a may read the list
// (its members); a list a may not know of is listserv.ErrNotFound.
// viewer, when not nil, adds each time in that zone.
func (s *Scheduler) ListSessions(a listserv.Actor, name string, viewer *time.Location) ([]Upcoming, error) {
	v, err := s.svc.ListPage(a, name)
	if err != nil {
		return nil, err
	}
	now := s.svc.Now()
	var out []Upcoming
	err = s.st.View(func(tx *store.Tx) error {
		l, err := tx.List(name)
		if err != nil {
			return err
		}
		ss, err := loadSessions(tx, l, nil)
		if err != nil {
			return err
		}
		for _, si := range ss {
			if !now.Before(si.End) || len(out) >= maxUpcoming {
				continue
			}
			u := s.upcoming(l, si, viewer)
			if !v.Member {
				u.Link = ""
			}
			if a.Address != "" && v.Member {
				u.MyAnswer = answerOf(tx, l.Name, si.ID, a.Address)
			}
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

func (s *Scheduler) upcoming(l store.List, si SessionInfo, viewer *time.Location) Upcoming {
	u := Upcoming{SessionView: s.view(l, si), ListName: l.Name, Start: si.Start, Cancelled: si.Status == store.SessionCancelled}
	if viewer != nil && viewer.String() != u.Zone {
		u.ViewerWhen = formatSpan(si.Start.In(viewer), si.End.In(viewer)) + " (" + viewer.String() + ")"
	}
	return u
}

func answerOf(tx *store.Tx, list string, id uint64, addr string) string {
	rs, err := tx.RSVPs(list, id)
	if err != nil {
		return ""
	}
	for _, r := range rs {
		if r.Address == addr {
			return r.Answer
		}
	}
	return ""
}

// personLists returns the lists addr is an active member of.
func personLists(tx *store.Tx, addr string) ([]store.List, error) {
	names, err := tx.ListsOf(addr)
	if err != nil {
		return nil, err
	}
	var out []store.List
	for _, n := range names {
		l, err := tx.List(n)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		mb, err := tx.Membership(n, addr)
		if err != nil || !listserv.Counts(mb) {
			continue
		}
		out = append(out, l)
	}
	return out, nil
}

// MySessions returns the actor's upcoming sessions across all their
// lists, soonest first, with their own RSVP answers.
func (s *Scheduler) MySessions(a listserv.Actor) ([]Upcoming, error) {
	if a.Address == "" {
		return nil, listserv.ErrForbidden
	}
	now := s.svc.Now()
	var out []Upcoming
	err := s.st.View(func(tx *store.Tx) error {
		lists, err := personLists(tx, a.Address)
		if err != nil {
			return err
		}
		for _, l := range lists {
			ss, err := loadSessions(tx, l, nil)
			if err != nil {
				return err
			}
			n := 0
			for _, si := range ss {
				if !now.Before(si.End) || si.Status == store.SessionCancelled || n >= maxUpcoming {
					continue
				}
				u := s.upcoming(l, si, nil)
				u.MyAnswer = answerOf(tx, l.Name, si.ID, a.Address)
				out = append(out, u)
				n++
			}
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return out, err
}

// ErrSessionClosed answers an RSVP for a session that ended or was
// cancelled.
var ErrSessionClosed = errors.New("that session has ended or was cancelled, so answers are closed")

// RSVP records the actor's answer (yes, no or maybe) for a session of a
// list they are a member of: the same record a reply to a reminder makes.
func (s *Scheduler) RSVP(a listserv.Actor, list string, id uint64, answer string) error {
	if answer != AnswerYes && answer != AnswerNo && answer != AnswerMaybe {
		return fmt.Errorf("answer %q: must be yes, no or maybe", answer)
	}
	v, err := s.svc.ListPage(a, list)
	if err != nil {
		return err
	}
	if a.Address == "" || v.Status == "" || listserv.Status(v.Status) == listserv.StatusPending || listserv.Status(v.Status) == listserv.StatusWaitlist || listserv.Status(v.Status) == listserv.StatusBanned {
		return listserv.ErrNotMember
	}
	now := s.svc.Now()
	err = s.st.Update(func(tx *store.Tx) error {
		l, err := tx.List(list)
		if err != nil {
			return err
		}
		ss, err := tx.Session(list, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && ss.ListUID != l.UIDValidity) {
			return ErrSessionClosed
		} else if err != nil {
			return err
		}
		si, err := sessionInfo(ss)
		if err != nil {
			return err
		}
		if ss.Status == store.SessionCancelled || !now.Before(si.End) {
			return ErrSessionClosed
		}
		return tx.PutRSVP(store.RSVP{List: list, Session: id, Address: a.Address, Answer: answer, At: now})
	})
	if err != nil {
		return err
	}
	s.log.Info("rsvp recorded", "list", list, "session", id, "member", a.Address, "answer", answer, "by", a.String())
	return nil
}

// Partners is one list's chevruta group of the actor.
type Partners struct {
	List, Title string
	// People are the others in the group: "Name <addr>" or the address.
	People []string
}

// MyPartners returns the actor's current chevruta partners on each list.
func (s *Scheduler) MyPartners(a listserv.Actor) ([]Partners, error) {
	if a.Address == "" {
		return nil, listserv.ErrForbidden
	}
	var out []Partners
	err := s.st.View(func(tx *store.Tx) error {
		lists, err := personLists(tx, a.Address)
		if err != nil {
			return err
		}
		for _, l := range lists {
			p, err := tx.Pairing(l.Name)
			if errors.Is(err, store.ErrNotFound) || (err == nil && p.ListUID != l.UIDValidity) {
				continue
			} else if err != nil {
				return err
			}
			for _, g := range p.Groups {
				var mine bool
				var others []string
				for _, m := range g {
					if m == a.Address {
						mine = true
						continue
					}
					name := personName(tx, m)
					if name != m {
						name += " <" + m + ">"
					}
					others = append(others, name)
				}
				if mine {
					t := l.Settings.Title
					if t == "" {
						t = l.Name
					}
					out = append(out, Partners{List: l.Name, Title: t, People: others})
				}
			}
		}
		return nil
	})
	return out, err
}
