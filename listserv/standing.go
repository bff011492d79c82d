package listserv

import (
	"errors"
	"fmt"

	"minyan/store"
)

// What a lapse of good standing does to a member of a list that requires
// good standing (the list setting lapsed_members).
const (
	LapseKeep   = "keep"   // nothing
	LapseNotify = "notify" // a kind private note saying how to renew
	LapseNomail = "nomail" // the note, and delivery paused until standing returns
)

// lapsePolicy is a list's lapsed_members, with the default for lists
// created before the setting existed.
func lapsePolicy(l store.List) string {
	if l.Settings.LapsedMembers == "" {
		return LapseKeep
	}
	return l.Settings.LapsedMembers
}

// setPersonTx writes a person's record and, when their good standing
// changed, applies each of their lists' lapsed_members rule in the same
// transaction.
func (s *Service) setPersonTx(tx *store.Tx, sp MemberSpec) error {
	was := false
	existed := true
	if p, err := tx.Person(sp.Address); err == nil {
		was = p.GoodStanding
	} else if errors.Is(err, store.ErrNotFound) {
		existed = false
	} else {
		return err
	}
	if err := s.upsertPerson(tx, sp); err != nil {
		return err
	}
	if sp.GoodStanding == nil || (existed && *sp.GoodStanding == was) || !existed {
		return nil
	}
	return s.standingChanged(tx, sp.Address, *sp.GoodStanding)
}

// standingChanged applies the lapse rule of every list addr is on.
func (s *Service) standingChanged(tx *store.Tx, addr string, good bool) error {
	lists, err := tx.ListsOf(addr)
	if err != nil {
		return err
	}
	name := ""
	if p, err := tx.Person(addr); err == nil {
		name = p.Name
	}
	for _, ln := range lists {
		l, err := tx.List(ln)
		if err != nil {
			return err
		}
		if !l.Settings.RequireGoodStanding {
			continue
		}
		mb, err := tx.Membership(ln, addr)
		if err != nil {
			return err
		}
		if mb.Status == StatusPending || mb.Status == StatusBanned {
			continue
		}
		policy := lapsePolicy(l)
		data := map[string]any{"Title": l.Settings.Title, "Name": name, "OwnerAddress": s.addr(ln, RoleOwner, "")}
		tmpl := ""
		switch {
		case !good && policy == LapseNotify:
			tmpl, data["Paused"] = "standing-lapsed", false
		case !good && policy == LapseNomail:
			tmpl, data["Paused"] = "standing-lapsed", true
			if mb.LapsedMode == "" {
				if err := s.pauseForLapse(tx, mb); err != nil {
					return err
				}
			}
		case good && mb.LapsedMode != "":
			if err := s.restoreAfterLapse(tx, mb); err != nil {
				return err
			}
			tmpl, data["Restored"] = "standing-restored", true
		case good && policy == LapseNotify:
			tmpl, data["Restored"] = "standing-restored", false
		}
		if tmpl == "" {
			continue
		}
		subj, body, err := s.renderTx(tx, addr, ln, tmpl, data)
		if err != nil {
			return fmt.Errorf("standing note for %s: %w", ln, err)
		}
		if err := s.queueNotice(tx, notice{List: ln, To: []string{addr}, From: s.addr(ln, RoleOwner, ""), Subject: subj, Body: body}); err != nil {
			return err
		}
		s.log.Info("good standing changed", "list", ln, "member", addr, "good_standing", good, "lapsed_members", policy)
	}
	return nil
}
