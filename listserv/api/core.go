// Package api is the JSON API under /api/v1/: a thin adapter that turns
// HTTP requests into calls of the same domain operations the command line
// uses, and their results and errors into JSON.
package api

import (
	"context"

	"minyan/digest"
	"minyan/listserv"
	"minyan/store"
)

// Core is every domain operation the API calls. Each takes the actor the
// request acts as; ServiceCore adapts today's domain functions to it.
type Core interface {
	AuthenticateAPIToken(secret string) (store.APIToken, error)

	Lists(ctx context.Context, a listserv.Actor) ([]ListSummary, error)
	CreateList(ctx context.Context, a listserv.Actor, name, kind, title, description string) (store.List, error)
	GetList(ctx context.Context, a listserv.Actor, name string) (store.List, error)
	SetList(ctx context.Context, a listserv.Actor, name string, pairs []string) (store.List, error)
	DeleteList(ctx context.Context, a listserv.Actor, name string) error

	Roster(ctx context.Context, a listserv.Actor, list string) ([]listserv.RosterEntry, error)
	Member(ctx context.Context, a listserv.Actor, list, addr string) (listserv.RosterEntry, error)
	AddMember(ctx context.Context, a listserv.Actor, list string, spec listserv.MemberSpec) error
	SyncRoster(ctx context.Context, a listserv.Actor, list string, specs []listserv.MemberSpec, o listserv.SyncOptions) (listserv.SyncResult, error)
	SetMember(ctx context.Context, a listserv.Actor, list, addr, role, mode string) error
	RemoveMember(ctx context.Context, a listserv.Actor, list, addr string) error

	Person(ctx context.Context, a listserv.Actor, addr string) (store.Person, []store.Membership, error)
	SetPerson(ctx context.Context, a listserv.Actor, addr string, name *string, goodStanding *bool) error

	Held(ctx context.Context, a listserv.Actor, list string) ([]store.Held, error)
	Decide(ctx context.Context, a listserv.Actor, list string, id uint64, action, reason string) error

	Sessions(ctx context.Context, a listserv.Actor, list string) ([]digest.Listed, error)
	AddSessions(ctx context.Context, a listserv.Actor, req digest.AddRequest) (digest.Added, error)
	RSVP(ctx context.Context, a listserv.Actor, list string, id uint64, addr, answer string, answers []string) (digest.Outcome, error)

	Messages(ctx context.Context, a listserv.Actor, list string, since uint64, limit int) ([]store.ArchiveMeta, error)
	Search(ctx context.Context, a listserv.Actor, q string, limit int) ([]listserv.SearchHit, error)

	AlertCore // action alerts (alerts.go)
	OrgCore   // partner organizations of coalition lists (orgs.go)
}

// ListSummary is a list with its member count.
type ListSummary struct {
	List    store.List
	Members int
}
