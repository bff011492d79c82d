package digest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"minyan/listserv"
	"minyan/store"
)

// The console's view of sessions and pairs: the same records as `session
// ls` and `pairs show`, behind the domain's permission check.

// ConsoleSessions returns a list's sessions with their state and RSVP
// answers (names included: organizers only). It needs PermSessions.
func (s *Scheduler) ConsoleSessions(ctx context.Context, a listserv.Actor, list string) ([]Listed, error) {
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
			out = append(out, Listed{SessionInfo: si, State: si.State(now), RSVP: r})
		}
		return nil
	})
	return out, err
}

// ConsolePairs returns a list's current pairs (none: an empty Pairing)
// and the members who may be paired. It needs PermSessions.
func (s *Scheduler) ConsolePairs(ctx context.Context, a listserv.Actor, list string) (store.Pairing, []string, error) {
	var (
		p      store.Pairing
		people []string
	)
	err := s.st.View(func(tx *store.Tx) error {
		l, err := s.svc.Authorize(tx, a, list, listserv.PermSessions)
		if err != nil {
			return err
		}
		p, err = tx.Pairing(list)
		if errors.Is(err, store.ErrNotFound) || (err == nil && p.ListUID != l.UIDValidity) {
			p, err = store.Pairing{List: list}, nil
		}
		if err != nil {
			return err
		}
		members, err := sessionMembers(tx, l)
		for _, mb := range members {
			people = append(people, mb.Address)
		}
		return err
	})
	return p, people, err
}

// SetPairs replaces a list's current pairs with groups chosen by an
// organizer: every group has two or more people, each a member who gets
// mail, nobody in two groups. The groups join the pair history like
// MakePairs's. It needs PermSessions and is recorded in the audit log.
func (s *Scheduler) SetPairs(ctx context.Context, a listserv.Actor, list string, groups [][]string) (store.Pairing, error) {
	now := s.svc.Now()
	var p store.Pairing
	err := s.st.Update(func(tx *store.Tx) error {
		l, err := s.svc.Authorize(tx, a, list, listserv.PermSessions)
		if err != nil {
			return err
		}
		members, err := sessionMembers(tx, l)
		if err != nil {
			return err
		}
		ok := map[string]bool{}
		for _, mb := range members {
			ok[mb.Address] = true
		}
		seen := map[string]int{}
		var clean [][]string
		for i, g := range groups {
			var grp []string
			for _, addr := range g {
				addr = listserv.NormalizeAddress(addr)
				if addr == "" {
					continue
				}
				if !ok[addr] {
					return fmt.Errorf("group %d: %s is not a member of %s who gets mail", i+1, addr, list)
				}
				if j, dup := seen[addr]; dup {
					return fmt.Errorf("%s is in group %d and group %d; put each person in one group", addr, j, i+1)
				}
				seen[addr] = i + 1
				grp = append(grp, addr)
			}
			switch {
			case len(grp) == 0:
				continue
			case len(grp) == 1:
				return fmt.Errorf("group %d has only %s; a group needs at least two people", i+1, grp[0])
			}
			clean = append(clean, grp)
		}
		if len(clean) == 0 {
			return errors.New("give at least one group of two people")
		}
		if p, err = newRound(tx, l, clean, now); err != nil {
			return err
		}
		var desc []string
		for _, g := range clean {
			desc = append(desc, strings.Join(g, "+"))
		}
		return s.svc.AuditChange(tx, a, list, fmt.Sprintf("set pairs (round %d): %s", p.Round, strings.Join(desc, " ")))
	})
	if err == nil {
		s.log.Info("chevruta pairs set", "list", list, "round", p.Round, "groups", len(p.Groups))
		s.Kick()
	}
	return p, err
}
