package digest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
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
	// ViewerWhen is the time in the zone the viewer asked for (nil when
	// none was asked or it is the list's zone).
	ViewerWhen *SessionTime
	Start      time.Time
	Cancelled  bool
	// MyAnswer is the viewer's RSVP (yes, no, maybe or "").
	MyAnswer string
	// MyStanding is where that answer leaves the viewer (registered,
	// waitlisted, ...), MyPosition their waitlist place, MyAnswers their
	// answers to the questions (one per question).
	MyStanding Standing
	MyPosition int
	MyAnswers  []string
	// SeatsLeft is how many seats are free (when the session has a cap).
	SeatsLeft int
}

// mine fills in the viewer's answer and the free seats.
func (u *Upcoming) mine(tx *store.Tx, si SessionInfo, addr string) {
	rs, err := tx.RSVPs(si.List, si.ID)
	if err != nil {
		return
	}
	taken := 0
	for _, r := range rs {
		if standingOf(r) == StandingRegistered && counted(tx, si.List, r.Address) {
			taken++
		}
		if addr != "" && r.Address == strings.ToLower(addr) {
			u.MyAnswer, u.MyStanding, u.MyAnswers = r.Answer, standingOf(r), r.Answers
			if r.Waitlist > 0 {
				u.MyPosition = waitPosition(tx, si.List, si.ID, r.Waitlist)
			}
		}
	}
	if si.Seats > 0 {
		u.SeatsLeft = max(0, si.Seats-taken)
	}
	if len(si.Questions) > 0 {
		u.MyAnswers = append(u.MyAnswers, make([]string, max(0, len(si.Questions)-len(u.MyAnswers)))...)[:len(si.Questions)]
	}
}

// maxUpcoming bounds how many sessions a page lists per list.
const maxUpcoming = 10

// ListSessions returns the sessions of list name that have not ended,
// for actor a. Meeting links are blanked unless a may read the list
// (its members); a list a may not know of is listserv.ErrNotFound.
// viewer, when not nil, adds each time in that zone.
func (s *Scheduler) ListSessions(ctx context.Context, a listserv.Actor, name string, viewer *time.Location) ([]Upcoming, error) {
	v, err := s.svc.ListPage(ctx, a, name)
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
			me := ""
			if v.Member {
				me = a.Address
			}
			u.mine(tx, si, me)
			out = append(out, u)
		}
		return nil
	})
	return out, err
}

func (s *Scheduler) upcoming(l store.List, si SessionInfo, viewer *time.Location) Upcoming {
	u := Upcoming{SessionView: s.view(l, si), ListName: l.Name, Start: si.Start, Cancelled: si.Status == store.SessionCancelled}
	if viewer != nil && viewer.String() != u.Zone {
		u.ViewerWhen = &SessionTime{Start: si.Start.In(viewer), End: si.End.In(viewer), Place: viewer.String()}
	}
	return u
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
func (s *Scheduler) MySessions(ctx context.Context, a listserv.Actor) ([]Upcoming, error) {
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
				u.mine(tx, si, a.Address)
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

// ErrNoSession answers an RSVP for a session the list does not have (or
// had before it was deleted and made again): not found, unlike a session
// that ended.
var ErrNoSession error = noSession{}

// noSession is ErrNoSession: its own sentence, and a listserv.ErrNotFound
// to every door (404 on the web and the API).
type noSession struct{}

func (noSession) Error() string        { return "the list has no such session" }
func (noSession) Is(target error) bool { return target == listserv.ErrNotFound }

// RSVP records an answer (yes, no or maybe) for a session, with the
// answers to its questions for a yes: the same record a reply to a
// reminder makes, with the same seats, waitlist and notices. It is the
// one registration operation for every door: addr "" (or the actor's
// own address) is the actor answering for themselves on a list they are
// a member of; any other addr needs PermSessions on the list (an
// organizer registering someone by phone, or a registration form
// elsewhere through the API), and addr must be a member.
func (s *Scheduler) RSVP(ctx context.Context, a listserv.Actor, list string, id uint64, addr, answer string, answers []string) (Outcome, error) {
	addr = listserv.NormalizeAddress(addr)
	if addr != "" && (a.Address == "" || addr != strings.ToLower(a.Address)) {
		return s.rsvpFor(a, list, id, addr, answer, answers)
	}
	if answer != AnswerYes && answer != AnswerNo && answer != AnswerMaybe {
		return Outcome{}, fmt.Errorf("answer %q: must be yes, no or maybe", answer)
	}
	v, err := s.svc.ListPage(ctx, a, list)
	if err != nil {
		return Outcome{}, err
	}
	if a.Address == "" || v.Status == "" || v.Status == listserv.StatusPending || v.Status == listserv.StatusWaitlist || v.Status == listserv.StatusBanned {
		return Outcome{}, listserv.ErrNotMember
	}
	return s.record(a, list, id, a.Address, answer, answers, nil)
}

// rsvpFor records an answer for addr by someone who may schedule the
// list's sessions.
func (s *Scheduler) rsvpFor(a listserv.Actor, list string, id uint64, addr, answer string, answers []string) (Outcome, error) {
	if answer != AnswerYes && answer != AnswerNo && answer != AnswerMaybe {
		return Outcome{}, fmt.Errorf("answer %q: must be yes, no or maybe", answer)
	}
	return s.record(a, list, id, addr, answer, answers, func(tx *store.Tx) error {
		if _, err := s.svc.Authorize(tx, a, list, listserv.PermSessions); err != nil {
			return err
		}
		if !counted(tx, list, addr) {
			return fmt.Errorf("%s is not a member of %s: %w", addr, list, listserv.ErrNotMember)
		}
		return nil
	})
}

// record stores one answer in one transaction (check, when set, runs
// first inside it).
func (s *Scheduler) record(a listserv.Actor, list string, id uint64, addr, answer string, answers []string, check func(tx *store.Tx) error) (Outcome, error) {
	if len(answers) > MaxQuestions {
		return Outcome{}, fmt.Errorf("at most %d answers", MaxQuestions)
	}
	now := s.svc.Now()
	var out Outcome
	err := s.st.Update(func(tx *store.Tx) error {
		if check != nil {
			if err := check(tx); err != nil {
				return err
			}
		}
		l, err := tx.List(list)
		if err != nil {
			return err
		}
		ss, si, err := listSession(tx, l, id)
		if err != nil {
			return err
		}
		if ss.Status == store.SessionCancelled || !now.Before(si.End) {
			return ErrSessionClosed
		}
		var clean []string
		if answer == AnswerYes && len(ss.Questions) > 0 {
			clean = make([]string, len(ss.Questions))
			for i, q := range ss.Questions {
				if i < len(answers) {
					clean[i] = cleanAnswer(answers[i], q)
				}
			}
		}
		if out, err = s.respond(tx, l, si, addr, answer, clean, now); err != nil {
			return err
		}
		return s.svc.Emit(tx, listserv.EventSessionRSVP, l.Name, map[string]any{"session": id, "address": addr, "answer": answer})
	})
	if err != nil {
		return Outcome{}, err
	}
	s.log.Info("rsvp recorded", "list", list, "session", id, "member", addr, "answer", answer, "standing", out.Standing, "promoted", len(out.Promoted), "by", a.String())
	return out, nil
}

// Partners is one list's chevruta group of the actor.
type Partners struct {
	List, Title string
	// People are the others in the group: "Name <addr>" or the address.
	People []string
}

// MyPartners returns the actor's current chevruta partners on each list.
func (s *Scheduler) MyPartners(ctx context.Context, a listserv.Actor) ([]Partners, error) {
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
