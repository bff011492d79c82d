package listserv

import (
	"errors"
	"fmt"
)

// Door names the front door a request came through. Every domain
// operation takes an Actor carrying its door, so the audit log can say
// "changed by rivka@example.org on the web" and the permission check is
// the same whichever door asked.
type Door string

// The front doors of the domain.
const (
	DoorMail   Door = "mail"   // email commands, moderation and confirmation replies
	DoorCLI    Door = "cli"    // the command line, directly or through the admin socket
	DoorWeb    Door = "web"    // member pages and the owner console
	DoorAPI    Door = "api"    // the JSON API
	DoorSystem Door = "system" // the daemon itself: clock-driven work, bounce handling
)

// Actor is who asks for a domain operation. Operator actors (the command
// line, which runs as the server's owner, and write-scoped API tokens
// acting for the membership database) hold every right; a person acting
// through mail or the web holds the rights of their role on the list,
// plus every right when they are a site admin.
type Actor struct {
	// Address is the person's address ("" for an operator without one).
	Address string
	// Door is where the request came in.
	Door Door
	// Operator marks the server's operator (CLI, admin socket, API
	// token): every permission, on every list.
	Operator bool
	// SiteAdmin marks a person named in [web] admins or made admin with
	// `minyan person set --admin true`: every list, and list creation.
	SiteAdmin bool
	// Via names the credential for the audit log (an API token's name).
	Via string
}

// String is how the audit log names the actor.
func (a Actor) String() string {
	who := a.Address
	switch {
	case who == "" && a.Via != "":
		who = a.Via
	case who == "" && a.Operator:
		who = "operator"
	case who == "":
		who = "anonymous"
	case a.Via != "":
		who += " (" + a.Via + ")"
	}
	return fmt.Sprintf("%s via %s", who, a.Door)
}

// Operator is the actor of the command line and the admin socket.
func Operator(door Door) Actor { return Actor{Door: door, Operator: true} }

// Person is a signed-in or mail-identified person acting for themselves.
func Person(addr string, door Door) Actor {
	return Actor{Address: NormalizeAddress(addr), Door: door}
}

// Permission is one right on a list. Rights follow roles in order:
// member < facilitator < moderator < owner, except that facilitators have
// only the rights listed for them.
type Permission int

// The rights a role can hold on a list.
const (
	// PermRead: see the list's page, roster of a caucus, and sessions
	// with their meeting links.
	PermRead Permission = iota
	// PermSeeHeld: see held posts and the moderation history.
	PermSeeHeld
	// PermModerate: decide held posts.
	PermModerate
	// PermSessions: schedule, move and cancel sessions; make pairs.
	PermSessions
	// PermDecideJoin: approve, reject or discard a held join request
	// (SPEC "Roles": facilitators decide join requests; banning the
	// person still changes the roster and needs PermRoster).
	PermDecideJoin
	// PermRoster: add, remove, ban and change members.
	PermRoster
	// PermSettings: change list settings, templates and roles.
	PermSettings
	// PermAdmin: create and remove lists (site admins only).
	PermAdmin
)

// minRole is the least role holding each permission.
var minRole = [...]ListRole{
	PermRead:       ListMember,
	PermSeeHeld:    ListFacilitator,
	PermModerate:   ListFacilitator,
	PermSessions:   ListFacilitator,
	PermDecideJoin: ListFacilitator,
	PermRoster:     ListModerator,
	PermSettings:   ListOwner,
	PermAdmin:      "", // no list role suffices
}

// RoleAllows tells whether a role on a list grants p.
func RoleAllows[R ~string](role R, p Permission) bool {
	if p < 0 || int(p) >= len(minRole) || minRole[p] == "" {
		return false
	}
	return RoleRank(role) >= RoleRank(minRole[p])
}

// ErrForbidden answers an actor who may see a list but lacks the right
// asked for. ErrNotFound answers one who may not even know the list
// exists (a caucus's outsiders), exactly as for a list that does not.
var (
	ErrForbidden = errors.New("you do not have permission to do that on this list")
	ErrNotFound  = errors.New("no such list")
)
