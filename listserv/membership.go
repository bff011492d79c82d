package listserv

import (
	"errors"
	"time"

	"minyan/store"
)

// The one file that writes memberships. Every change of a membership
// record (store.Membership) — admitting, removing, banning, a role or a
// mode, the waitlist, a confirmation, bounce state, a lapse of good
// standing, digest preferences and topics, the post count — is one
// function here, and no other file of the repository calls
// tx.PutMembership or tx.DeleteMembership. The exported operations
// (AddMembers, SyncRoster, SetMember, RemoveMembers, ChangeMembers,
// Promote, the subscription and bounce paths) check permissions, audit
// and answer; they change the record only through these functions, so one rule
// (capacity, who holds a seat, what a mode change re-enables, which
// event a webhook sees) cannot differ between two doors.

// admit puts mb on list l as a member: straight in, or on the waitlist
// when it is a plain member and every seat is taken. mb may be new or a
// pending membership (its tokens are kept). seats is the number of
// seats taken, carried across a batch so an import counts them once; nil
// counts them here. It emits member.joined and returns the record
// written.
func (s *Service) admit(tx *store.Tx, l store.List, mb store.Membership, seats *int) (store.Membership, error) {
	if seats == nil {
		n, err := seatsTaken(tx, l.Name)
		if err != nil {
			return mb, err
		}
		seats = &n
	}
	if mb.Role == "" {
		mb.Role = ListMember
	}
	if mb.Mode == "" {
		mb.Mode = ModeEach
	}
	mb.Status = StatusOK
	mb.Joined = s.clock.Now()
	if holdsSeat(mb) {
		if l.Settings.Capacity > 0 && *seats >= l.Settings.Capacity {
			mb.Status = StatusWaitlist
		} else {
			*seats++
		}
	}
	if err := tx.PutMembership(mb); err != nil {
		return mb, err
	}
	return mb, s.emit(tx, EventMemberJoined, l.Name, memberEvent(mb))
}

// setRoleMode changes a membership's role and delivery mode ("" keeps
// each). A new mode re-enables delivery that bounces had paused: whoever
// sets a mode (the member, an owner, an import, a sync) means mail to
// flow again. It reports whether anything changed; nothing is written
// otherwise.
func (s *Service) setRoleMode(tx *store.Tx, mb store.Membership, role ListRole, mode Mode) (store.Membership, bool, error) {
	changed := false
	if role != "" && role != mb.Role {
		mb.Role, changed = role, true
	}
	if mode != "" {
		if mode != mb.Mode {
			mb.Mode, changed = mode, true
		}
		if mb.Status == StatusDisabled || mb.Status == StatusBouncing {
			mb.Status, mb.Bounces, changed = StatusOK, nil, true
		}
	}
	if !changed {
		return mb, false, nil
	}
	return mb, true, tx.PutMembership(mb)
}

// removeMember takes addr off list and emits member.left. Filling the
// freed seat is the caller's (promoteWaitlist), once per call, so a
// batch promotes once.
func (s *Service) removeMember(tx *store.Tx, list, addr string) (store.Membership, error) {
	mb, err := tx.Membership(list, addr)
	if err != nil {
		return mb, err
	}
	if err := s.emit(tx, EventMemberLeft, list, memberEvent(mb)); err != nil {
		return mb, err
	}
	return mb, tx.DeleteMembership(list, addr)
}

// dropPending removes a join request's pending membership (the request
// was rejected, discarded or lapsed); a member in any other state stays.
func (s *Service) dropPending(tx *store.Tx, list, addr string) error {
	mb, err := tx.Membership(list, addr)
	if err != nil || mb.Status != StatusPending {
		return nil
	}
	return tx.DeleteMembership(list, addr)
}

// keepPending stores a join request that waits (for the address to
// confirm, or for a moderator).
func (s *Service) keepPending(tx *store.Tx, mb store.Membership) error {
	mb.Status = StatusPending
	return tx.PutMembership(mb)
}

// newConfirmation issues mb's one outstanding confirmation (dropping an
// earlier one) and stores mb with it.
func (s *Service) newConfirmation(tx *store.Tx, mb *store.Membership, kind, data string) (string, error) {
	if mb.ConfirmToken != "" {
		if err := tx.DeleteTokenByRef(mb.ConfirmToken); err != nil {
			return "", err
		}
	}
	tok, err := s.IssueToken(tx, kind, mb.List, mb.Address, 0, data, confirmTTL)
	if err != nil {
		return "", err
	}
	mb.ConfirmToken, mb.ConfirmSent = tok, s.clock.Now()
	return tok, tx.PutMembership(*mb)
}

// ban blocks an address from posting and joining a list, member or not.
func (s *Service) ban(tx *store.Tx, list, addr string) error {
	mb, err := tx.Membership(list, addr)
	if errors.Is(err, store.ErrNotFound) {
		mb = store.Membership{List: list, Address: addr, Role: ListMember, Mode: ModeNomail, Joined: s.clock.Now()}
	} else if err != nil {
		return err
	}
	mb.Status = StatusBanned
	// New tokens: the unsubscribe link and bounce address the person
	// already has must not act on the ban record.
	for _, tok := range []string{mb.UnsubToken, mb.BounceToken} {
		if tok != "" {
			if err := tx.DeleteToken(tok); err != nil {
				return err
			}
		}
	}
	mb.UnsubToken, mb.BounceToken, mb.TokenNonce = "", "", ""
	return tx.PutMembership(mb)
}

// makeAlumni turns a member of a community whose cohort closed into an
// alumnus: they keep reading, get no mail and do not post.
func (s *Service) makeAlumni(tx *store.Tx, mb store.Membership) error {
	mb.Status = StatusAlumni
	return tx.PutMembership(mb)
}

// giveSeat moves a waitlisted member onto the list.
func (s *Service) giveSeat(tx *store.Tx, mb store.Membership) error {
	mb.Status = StatusOK
	return tx.PutMembership(mb)
}

// moveOnWaitlist changes a waitlisted member's place: the waitlist is in
// order of joining.
func (s *Service) moveOnWaitlist(tx *store.Tx, mb store.Membership, joined time.Time) error {
	mb.Joined = joined
	return tx.PutMembership(mb)
}

// countPost counts a distributed post of a member; freely lets them post
// without moderation from now on (a moderator's "approve always").
func (s *Service) countPost(tx *store.Tx, mb store.Membership, freely bool) error {
	mb.Posts++
	mb.PostFreely = mb.PostFreely || freely
	return tx.PutMembership(mb)
}

// setBounceState records a member's bounce score and the delivery state
// it leads to (ok, bouncing or disabled); reason, when given, is the last
// refusal counted.
func (s *Service) setBounceState(tx *store.Tx, mb store.Membership, st Status, bounces []time.Time, reason string) error {
	mb.Status, mb.Bounces = st, bounces
	if reason != "" {
		mb.BounceError = reason
	}
	return tx.PutMembership(mb)
}

// pauseForLapse pauses a member's delivery while their good standing
// has lapsed, keeping the mode to restore.
func (s *Service) pauseForLapse(tx *store.Tx, mb store.Membership) error {
	mb.LapsedMode, mb.Mode = mb.Mode, ModeNomail
	return tx.PutMembership(mb)
}

// restoreAfterLapse gives back the mode a lapse paused.
func (s *Service) restoreAfterLapse(tx *store.Tx, mb store.Membership) error {
	mb.Mode, mb.LapsedMode = mb.LapsedMode, ""
	return tx.PutMembership(mb)
}

// setDigestPrefs records how a member's digests come (format and
// frequency) and the topics they follow.
func (s *Service) setDigestPrefs(tx *store.Tx, mb store.Membership, f store.DigestFormat, fr store.DigestFrequency, topics []string) error {
	mb.DigestFormat, mb.DigestFrequency, mb.Topics = f, fr, topics
	return tx.PutMembership(mb)
}

// holdsSeat tells whether a membership takes one of a list's seats
// (capacity): plain members do; facilitators, moderators and owners do
// not.
func holdsSeat(mb store.Membership) bool { return mb.Role == ListMember }

// seatsTaken counts the plain members holding a seat (waitlisted, pending
// and banned people do not; facilitators and owners are not counted
// against capacity). It reads without decoding each record: an add to a
// 100,000-member list must not decode the whole roster.
func seatsTaken(tx *store.Tx, list string) (int, error) {
	n := 0
	err := tx.EachMemberRaw(list, func(_ string, raw []byte) error {
		if ListRole(store.RawString(raw, "role")) == ListMember && Counts(store.Membership{Status: Status(store.RawString(raw, "status"))}) {
			n++
		}
		return nil
	})
	return n, err
}

// MemberCount is the number of members of a list as people see it (list
// ls and show, the info command, the site overview, the API): active,
// bouncing or disabled by bounces, not pending, waitlisted or banned
// (Counts). It reads without decoding each record. It is the one count.
func MemberCount(tx *store.Tx, list string) (int, error) {
	t, err := tallyMembers(tx, list)
	return t.Members, err
}

// memberTally is MemberCount with the part of it whose mail bounces.
type memberTally struct{ Members, Bouncing, Disabled int }

func tallyMembers(tx *store.Tx, list string) (memberTally, error) {
	var t memberTally
	err := tx.EachMemberRaw(list, func(_ string, raw []byte) error {
		mb := store.Membership{Status: Status(store.RawString(raw, "status"))}
		if !Counts(mb) {
			return nil
		}
		t.Members++
		switch mb.Status {
		case StatusBouncing:
			t.Bouncing++
		case StatusDisabled:
			t.Disabled++
		}
		return nil
	})
	return t, err
}

// MemberCountOf is MemberCount in a read transaction of its own.
func (s *Service) MemberCountOf(list string) (n int, err error) {
	err = s.st.View(func(tx *store.Tx) error {
		n, err = MemberCount(tx, list)
		return err
	})
	return n, err
}

// pendingDelegate names addr a delegate of the organization org on a
// coalition list: a pending membership carrying the organization, with
// the one confirmation the delegate answers before any mail reaches
// them (the join confirmation: confirmedJoin then admits it). It returns
// the confirmation token.
func (s *Service) pendingDelegate(tx *store.Tx, list, addr, org string) (string, error) {
	mb := store.Membership{List: list, Address: addr, Role: ListMember, Mode: ModeEach, Status: StatusPending, Joined: s.clock.Now(), Org: org}
	return s.newConfirmation(tx, &mb, TokenConfirmJoin, "")
}
