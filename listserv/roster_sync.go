package listserv

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"minyan/store"
)

// SyncOptions choose what a roster sync may change.
type SyncOptions struct {
	// DryRun computes the same diff and changes nothing.
	DryRun bool
	// IncludeRoles lets the sync remove facilitators, moderators and
	// owners who are missing from the roster given; without it only
	// plain members are removed.
	IncludeRoles bool
	// IncludeSelfJoined lets the sync remove people who joined by
	// themselves (by mail or on the web) and are missing from the roster
	// given; without it only people an operator, the API or an earlier
	// sync put on the list are removed.
	IncludeSelfJoined bool
	// Notify sends the welcome and goodbye mail; without it a sync is
	// silent.
	Notify bool
}

// SyncResult is the diff a sync made (or, in a dry run, would make),
// addresses in the order of the roster given, then removals in address
// order.
type SyncResult struct {
	Added   []string
	Updated []string
	Removed []string
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

// SyncRoster makes a list's roster equal to specs in one transaction:
// adds who is missing, updates role, mode and name where given and
// different, and removes members missing from specs within the limits of
// opts. Banned addresses are left as they are. A bad entry refuses the
// whole sync.
func (s *Service) SyncRoster(ctx context.Context, actor Actor, list string, specs []MemberSpec, opts SyncOptions) (SyncResult, error) {
	var res SyncResult
	seen := make(map[string]bool, len(specs))
	for i := range specs {
		specs[i].Address = NormalizeAddress(specs[i].Address)
		if err := specs[i].Validate(); err != nil {
			return res, fmt.Errorf("roster entry %d: %w", i+1, err)
		}
		if seen[specs[i].Address] {
			return res, fmt.Errorf("roster entry %d: %s appears twice", i+1, specs[i].Address)
		}
		seen[specs[i].Address] = true
	}
	err := s.st.Update(func(tx *store.Tx) error {
		res = SyncResult{}
		// Roles change only with the right to change them: a sync that
		// may add, change or remove owners and moderators needs settings.
		perm := PermRoster
		if opts.IncludeRoles {
			perm = PermSettings
		}
		l, err := s.authorize(tx, actor, list, perm)
		if err != nil {
			return err
		}
		if err := s.syncTx(tx, actor, l, specs, seen, opts, &res); err != nil {
			return err
		}
		if opts.DryRun {
			return errDryRun
		}
		return s.AuditChange(tx, actor, list, fmt.Sprintf("synced the roster: %d added, %d updated, %d removed", len(res.Added), len(res.Updated), len(res.Removed)))
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err == nil && !opts.DryRun {
		s.log.Info("roster synced", "list", list, "by", actor.String(), "added", len(res.Added), "updated", len(res.Updated), "removed", len(res.Removed))
	}
	return res, notFoundText(err, "no list named "+list)
}

func (s *Service) syncTx(tx *store.Tx, actor Actor, l store.List, specs []MemberSpec, seen map[string]bool, opts SyncOptions, res *SyncResult) error {
	seats, err := seatsTaken(tx, l.Name)
	if err != nil {
		return err
	}
	mayRole := s.mayGiveRoles(tx, actor, l.Name)
	for i, sp := range specs {
		p, perr := tx.Person(sp.Address)
		if perr != nil && !errors.Is(perr, store.ErrNotFound) {
			return perr
		}
		nameChanged := sp.Name != "" && (perr != nil || p.Name != sp.Name)
		if perr != nil || nameChanged {
			if err := s.upsertPerson(tx, MemberSpec{Address: sp.Address, Name: sp.Name}); err != nil {
				return err
			}
		}
		mb, err := tx.Membership(l.Name, sp.Address)
		cur := ListMember
		if err == nil && mb.Status != StatusPending {
			cur = mb.Role
		}
		if !mayRole && sp.Role != "" && sp.Role != cur {
			return fmt.Errorf("roster entry %d: %s: %w (roles are the owners' to give)", i+1, sp.Address, ErrForbidden)
		}
		switch {
		case errors.Is(err, store.ErrNotFound) || (err == nil && mb.Status == StatusPending):
			mb, err = s.admit(tx, l, store.Membership{List: l.Name, Address: sp.Address, Role: sp.Role, Mode: sp.Mode,
				UnsubToken: mb.UnsubToken, BounceToken: mb.BounceToken}, &seats)
			if err != nil {
				return err
			}
			res.Added = append(res.Added, sp.Address)
			if opts.Notify && !opts.DryRun {
				tmpl := "welcome"
				if mb.Status == StatusWaitlist {
					tmpl = "waitlisted"
				}
				if err := s.syncNotice(tx, l, mb.Address, tmpl, p.Name); err != nil {
					return err
				}
			}
		case err != nil:
			return err
		case mb.Status == StatusBanned:
			// A ban is the moderators' decision; a sync does not lift it.
		default:
			mode := sp.Mode
			if mode == mb.Mode {
				mode = "" // restating the mode does not re-enable bounced delivery
			}
			_, changed, err := s.setRoleMode(tx, mb, sp.Role, mode)
			if err != nil {
				return err
			}
			if !changed && !nameChanged {
				continue
			}
			res.Updated = append(res.Updated, sp.Address)
		}
	}
	var gone []store.Membership
	err = tx.EachMember(l.Name, func(mb store.Membership) error {
		switch {
		case seen[mb.Address], mb.Status == StatusBanned:
		case mb.Role != ListMember && !opts.IncludeRoles:
		case (mb.SelfJoined || mb.Status == StatusPending) && !opts.IncludeSelfJoined:
		case mb.Org != "": // a coalition delegate is their organization's to remove (orgs.go)
		default:
			gone = append(gone, mb)
		}
		return nil
	})
	if err != nil {
		return err
	}
	slices.SortFunc(gone, func(a, b store.Membership) int {
		if a.Address < b.Address {
			return -1
		}
		if a.Address > b.Address {
			return 1
		}
		return 0
	})
	for _, mb := range gone {
		if _, err := s.removeMember(tx, l.Name, mb.Address); err != nil {
			return err
		}
		res.Removed = append(res.Removed, mb.Address)
		if opts.Notify && !opts.DryRun && mb.Status != StatusPending {
			if err := s.syncNotice(tx, l, mb.Address, "goodbye", ""); err != nil {
				return err
			}
		}
	}
	if len(gone) > 0 && !opts.DryRun {
		return s.promoteWaitlist(tx, l.Name)
	}
	return nil
}

// syncNotice sends the welcome or goodbye of a sync with notify.
func (s *Service) syncNotice(tx *store.Tx, l store.List, addr, tmpl, name string) error {
	subj, body, err := s.render(l.Name, tmpl, map[string]any{
		"Title": l.Settings.Title, "Name": name, "Description": l.Settings.Description, "Address": addr,
		"ListAddress": s.addr(l.Name, RolePost, ""), "RequestAddress": s.addr(l.Name, RoleRequest, ""),
		"JoinAddress": s.addr(l.Name, RoleJoin, ""), "Capacity": l.Settings.Capacity,
		"ListURL": s.webURL("/lists/" + l.Name), "MeURL": s.webURL("/me"),
	})
	if err != nil {
		return err
	}
	return s.queueNotice(tx, notice{List: l.Name, To: []string{addr}, From: s.addr(l.Name, RoleRequest, ""), Subject: subj, Body: body})
}
