package api

import (
	"context"
	"errors"
	"fmt"

	"minyan/digest"
	"minyan/listserv"
	"minyan/store"
)

// ServiceCore is Core over the domain service and the session scheduler.
// This file is the one place that follows the domain's signatures.
type ServiceCore struct {
	Svc *listserv.Service
	// Sched returns the daemon's session scheduler.
	Sched func() *digest.Scheduler
}

var _ Core = ServiceCore{}

// AuthenticateAPIToken checks a bearer token.
func (c ServiceCore) AuthenticateAPIToken(secret string) (store.APIToken, error) {
	return c.Svc.AuthenticateAPIToken(secret)
}

// Lists returns every list with its count of members.
func (c ServiceCore) Lists(_ context.Context, _ listserv.Actor) ([]ListSummary, error) {
	ls, err := c.Svc.Lists()
	if err != nil {
		return nil, err
	}
	out := make([]ListSummary, 0, len(ls))
	for _, l := range ls {
		n, err := c.Svc.MemberCountOf(l.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, ListSummary{List: l, Members: n})
	}
	return out, nil
}

// CreateList creates a list.
func (c ServiceCore) CreateList(ctx context.Context, a listserv.Actor, name, kind, title, description string) (store.List, error) {
	return c.Svc.CreateList(ctx, a, name, kind, title, description)
}

// GetList returns one list.
func (c ServiceCore) GetList(_ context.Context, _ listserv.Actor, name string) (store.List, error) {
	return c.Svc.GetList(name)
}

// SetList changes settings, all or none.
func (c ServiceCore) SetList(ctx context.Context, a listserv.Actor, name string, pairs []string) (store.List, error) {
	return c.Svc.SetList(ctx, a, name, pairs)
}

// DeleteList removes a list.
func (c ServiceCore) DeleteList(ctx context.Context, a listserv.Actor, name string) error {
	return c.Svc.DeleteList(ctx, a, name)
}

// Roster returns the members.
func (c ServiceCore) Roster(_ context.Context, _ listserv.Actor, list string) ([]listserv.RosterEntry, error) {
	return c.Svc.Roster(list)
}

// EachRosterPage streams the members a page at a time (see
// rosterStreamer).
func (c ServiceCore) EachRosterPage(_ context.Context, _ listserv.Actor, list string, fn func([]listserv.RosterEntry) error) error {
	return c.Svc.EachRosterPage(list, fn)
}

// Member returns one member.
func (c ServiceCore) Member(_ context.Context, _ listserv.Actor, list, addr string) (listserv.RosterEntry, error) {
	return c.Svc.Member(list, addr)
}

// AddMember adds one person, as `member add` does.
func (c ServiceCore) AddMember(ctx context.Context, a listserv.Actor, list string, spec listserv.MemberSpec) error {
	res, err := c.Svc.AddMembers(ctx, a, list, []listserv.MemberSpec{spec}, false)
	if err != nil {
		return err
	}
	return res[0].Err
}

// SyncRoster makes the roster equal to specs.
func (c ServiceCore) SyncRoster(ctx context.Context, a listserv.Actor, list string, specs []listserv.MemberSpec, o listserv.SyncOptions) (listserv.SyncResult, error) {
	return c.Svc.SyncRoster(ctx, a, list, specs, o)
}

// SetMember changes role or mode.
func (c ServiceCore) SetMember(ctx context.Context, a listserv.Actor, list, addr, role, mode string) error {
	return c.Svc.SetMember(ctx, a, list, listserv.NormalizeAddress(addr), role, mode)
}

// RemoveMember takes one person off a list, as `member rm` does.
func (c ServiceCore) RemoveMember(ctx context.Context, a listserv.Actor, list, addr string) error {
	res, err := c.Svc.RemoveMembers(ctx, a, list, []string{addr})
	if err != nil {
		return err
	}
	return res[0].Err
}

// Person returns a person and their memberships.
func (c ServiceCore) Person(_ context.Context, _ listserv.Actor, addr string) (store.Person, []store.Membership, error) {
	return c.Svc.PersonMemberships(addr)
}

// SetPerson changes name or good standing, as `person set` does.
func (c ServiceCore) SetPerson(ctx context.Context, a listserv.Actor, addr string, name *string, goodStanding *bool) error {
	return c.Svc.SetPerson(ctx, a, addr, listserv.PersonChange{Name: name, GoodStanding: goodStanding})
}

// Held returns a list's pending held items.
func (c ServiceCore) Held(ctx context.Context, a listserv.Actor, list string) ([]store.Held, error) {
	if _, err := c.Svc.GetList(list); err != nil {
		return nil, err
	}
	return c.Svc.HeldItems(ctx, a, list)
}

// Decide decides a held item of list.
func (c ServiceCore) Decide(ctx context.Context, a listserv.Actor, list string, id uint64, action, reason string) error {
	_, err := c.Svc.Decide(ctx, a, list, id, action, reason)
	if errors.Is(err, listserv.ErrNoHeld) {
		return fmt.Errorf("no held item #%d on %s: %w", id, list, errNotFound)
	}
	return err
}

// Sessions returns a list's sessions.
func (c ServiceCore) Sessions(ctx context.Context, a listserv.Actor, list string) ([]digest.Listed, error) {
	return c.Sched().Sessions(ctx, a, list)
}

// RSVP records a member's answer (and registration) for a session.
func (c ServiceCore) RSVP(ctx context.Context, a listserv.Actor, list string, id uint64, addr, answer string, answers []string) (digest.Outcome, error) {
	return c.Sched().RSVP(ctx, a, list, id, addr, answer, answers)
}

// AddSessions schedules sessions.
func (c ServiceCore) AddSessions(ctx context.Context, a listserv.Actor, req digest.AddRequest) (digest.Added, error) {
	return c.Sched().AddSessions(ctx, a, req)
}

// Messages returns archived posts.
func (c ServiceCore) Messages(_ context.Context, a listserv.Actor, list string, since uint64, limit int) ([]store.ArchiveMeta, error) {
	return c.Svc.Messages(a, list, since, limit)
}

// Search searches the archives.
func (c ServiceCore) Search(ctx context.Context, a listserv.Actor, q string, limit int) ([]listserv.SearchHit, error) {
	var out []listserv.SearchHit
	for page := 1; len(out) < limit; page++ {
		res, err := c.Svc.Search(ctx, a, q, "", page)
		if err != nil {
			return nil, err
		}
		out = append(out, res.Hits...)
		if len(res.Hits) == 0 || page*res.PerPage >= res.Total {
			break
		}
	}
	return out[:min(len(out), limit)], nil
}
