package listserv

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"minyan/store"
)

// The one file that writes partner organizations (store.Org) of
// coalition lists. An organization's delegates are memberships carrying
// its short name (store.Membership.Org), written only by membership.go
// (pendingDelegate, removeMember); this file decides who may name them
// and how many.
//
// Who may do what: the list's owners (and site admins, the operator)
// add, change and remove organizations and any organization's delegates;
// an organization's contacts manage that organization's delegates and
// may take it off the list (OrgLeave); nobody else touches either.

// PartnerType is what kind of partner an organization is.
type PartnerType = store.PartnerType

// The partner types.
const (
	PartnerImmigrantLed   = store.PartnerImmigrantLed
	PartnerJewish         = store.PartnerJewish
	PartnerInterfaithAlly = store.PartnerInterfaithAlly
	PartnerOther          = store.PartnerOther
)

// PartnerTypes are the partner types in the order forms offer them.
var partnerTypes = []PartnerType{PartnerImmigrantLed, PartnerJewish, PartnerInterfaithAlly, PartnerOther}

// PartnerTypes returns the partner types in the order forms offer them.
func PartnerTypes() []PartnerType { return slices.Clone(partnerTypes) }

// ParsePartnerType reads a partner type as people type it ("" is none).
func ParsePartnerType(v string) (PartnerType, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return "", nil
	}
	for _, p := range partnerTypes {
		if v == string(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("partner type %q: choose one of immigrant-led, jewish, interfaith-ally, other", v)
}

// orgSlugRE is an organization's short name: what people type after
// `minyan org add LIST` and what posts show in "Name (ORG) via NAME".
var orgSlugRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)

// ErrSeatsFull refuses a delegate beyond an organization's seat cap.
var ErrSeatsFull = errors.New("every seat of this organization is taken")

// ErrNoOrg answers a request about an organization a list does not
// have (only its owners learn that; others get ErrForbidden).
var ErrNoOrg = errors.New("no such organization")

type noOrgError struct{ slug, list string }

func (e noOrgError) Error() string        { return "no organization " + e.slug + " on " + e.list }
func (e noOrgError) Is(target error) bool { return target == ErrNoOrg }

// ErrNotCoalition refuses organization operations on other kinds of list.
var ErrNotCoalition = errors.New("organizations belong to coalition lists only (minyan list create --kind coalition)")

// OrgSpec is what AddOrg sets. Zero fields keep an existing
// organization's value (Seats < 0 keeps, 0 removes the cap).
type OrgSpec struct {
	Slug     string
	Name     string
	Contacts []string
	Seats    int
	Partner  PartnerType
	Note     string
}

// OrgView is an organization with its delegates, as owners and its
// contacts see it.
type OrgView struct {
	store.Org
	Delegates []store.Membership
}

// loadCoalition reads a coalition list.
func loadCoalition(tx *store.Tx, list string) (store.List, error) {
	l, err := tx.List(list)
	if errors.Is(err, store.ErrNotFound) {
		return l, noListError{list}
	}
	if err != nil {
		return l, err
	}
	if l.Kind != KindCoalition {
		return l, ErrNotCoalition
	}
	return l, nil
}

// ownsCoalition tells whether a holds the owners' rights on list.
func ownsCoalition(tx *store.Tx, a Actor, list string) bool {
	return isSiteAdmin(tx, a) || RoleAllows(roleOn(tx, list, a.Address), PermSettings)
}

// authorizeOrg returns the list and organization when a is one of its
// owners or one of the organization's contacts.
func (s *Service) authorizeOrg(tx *store.Tx, a Actor, list, slug string) (store.List, store.Org, error) {
	l, err := loadCoalition(tx, list)
	if err != nil {
		return l, store.Org{}, err
	}
	o, err := tx.Org(list, slug)
	if errors.Is(err, store.ErrNotFound) {
		if ownsCoalition(tx, a, list) {
			return l, o, orgRefusal{noOrgError{slug, list}}
		}
		return l, o, ErrForbidden // outsiders do not learn which organizations exist
	}
	if err != nil {
		return l, o, err
	}
	if ownsCoalition(tx, a, list) || slices.Contains(o.Contacts, a.Address) {
		return l, o, nil
	}
	return l, o, ErrForbidden
}

// orgOfContact finds the organization addr is a contact of on list.
func orgOfContact(tx *store.Tx, list, addr string) (store.Org, bool, error) {
	orgs, err := tx.Orgs(list)
	if err != nil {
		return store.Org{}, false, err
	}
	for _, o := range orgs {
		if slices.Contains(o.Contacts, addr) {
			return o, true, nil
		}
	}
	return store.Org{}, false, nil
}

// delegatesOf returns the memberships of an organization: active,
// pending confirmation or otherwise (banned people are no delegates).
func delegatesOf(tx *store.Tx, list, slug string) ([]store.Membership, error) {
	var out []store.Membership
	err := tx.EachMember(list, func(m store.Membership) error {
		if m.Org == slug && m.Status != StatusBanned {
			out = append(out, m)
		}
		return nil
	})
	return out, err
}

// AddOrg puts an organization on a coalition list, or, when it is there
// already, adds the contacts given and changes the fields set. Owners
// only.
func (s *Service) AddOrg(ctx context.Context, a Actor, list string, sp OrgSpec) (store.Org, error) {
	var out store.Org
	if !orgSlugRE.MatchString(sp.Slug) {
		return out, fmt.Errorf("organization name %q: use up to 32 letters, digits, dots or dashes, such as ACME", sp.Slug)
	}
	for i, c := range sp.Contacts {
		sp.Contacts[i] = NormalizeAddress(c)
		if !ValidAddress(sp.Contacts[i]) {
			return out, fmt.Errorf("contact %q is not a plain email address", c)
		}
	}
	err := s.st.Update(func(tx *store.Tx) error {
		if _, err := loadCoalition(tx, list); err != nil {
			return err
		}
		if !ownsCoalition(tx, a, list) {
			if _, err := s.authorize(tx, a, list, PermSettings); err != nil {
				return err
			}
		}
		o, err := tx.Org(list, sp.Slug)
		created := errors.Is(err, store.ErrNotFound)
		if err != nil && !created {
			return err
		}
		if created {
			if len(sp.Contacts) == 0 {
				return fmt.Errorf("organization %s needs a contact address", sp.Slug)
			}
			o = store.Org{List: list, Slug: sp.Slug, Created: s.clock.Now()}
		}
		for _, c := range sp.Contacts {
			if other, ok, err := orgOfContact(tx, list, c); err != nil {
				return err
			} else if ok && other.Slug != o.Slug {
				return fmt.Errorf("%s is already a contact of %s on %s", c, other.Slug, list)
			}
			if !slices.Contains(o.Contacts, c) {
				o.Contacts = append(o.Contacts, c)
			}
			// A contact signs in to the organization's page: a person
			// record lets the sign-in link reach them.
			if _, err := s.ensurePerson(tx, c, ""); err != nil {
				return err
			}
		}
		if sp.Name != "" {
			o.Name = strings.TrimSpace(sp.Name)
		}
		if sp.Seats >= 0 {
			o.Seats = sp.Seats
		}
		if sp.Partner != "" {
			o.Partner = sp.Partner
		}
		if sp.Note != "" {
			o.Note = strings.TrimSpace(sp.Note)
		}
		if err := tx.PutOrg(o); err != nil {
			return err
		}
		out = o
		what := "changed organization " + o.Slug
		if created {
			what = "added organization " + o.Slug
		}
		return s.AuditChange(tx, a, list, fmt.Sprintf("%s (contacts %s, seats %d)", what, strings.Join(o.Contacts, ", "), o.Seats))
	})
	return out, err
}

// RemoveOrg takes an organization off a list with every delegate of it
// at once, and tells its contacts. Owners only. It returns the delegates
// removed.
func (s *Service) RemoveOrg(ctx context.Context, a Actor, list, slug string) ([]string, error) {
	var removed []string
	err := s.st.Update(func(tx *store.Tx) error {
		l, o, err := s.authorizeOrg(tx, a, list, slug)
		if err != nil {
			return err
		}
		if !ownsCoalition(tx, a, list) {
			return ErrForbidden
		}
		removed, err = s.dropOrg(tx, a, l, o, "removed")
		return err
	})
	return removed, err
}

// OrgLeave takes the organization a is a contact of off the list: the
// contact's own "org leave". Only its contacts use it.
func (s *Service) OrgLeave(ctx context.Context, a Actor, list string) ([]string, error) {
	var removed []string
	err := s.st.Update(func(tx *store.Tx) error {
		var err error
		removed, _, err = s.orgLeaveTx(tx, a, list)
		return err
	})
	return removed, err
}

func (s *Service) orgLeaveTx(tx *store.Tx, a Actor, list string) ([]string, store.Org, error) {
	l, err := loadCoalition(tx, list)
	if err != nil {
		return nil, store.Org{}, err
	}
	o, ok, err := orgOfContact(tx, list, a.Address)
	if err != nil {
		return nil, o, err
	}
	if !ok {
		return nil, o, ErrForbidden
	}
	removed, err := s.dropOrg(tx, a, l, o, "left")
	return removed, o, err
}

// dropOrg removes o's delegates and record, audits and mails its
// contacts what happened.
func (s *Service) dropOrg(tx *store.Tx, a Actor, l store.List, o store.Org, how string) ([]string, error) {
	ds, err := delegatesOf(tx, l.Name, o.Slug)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, d := range ds {
		if _, err := s.removeMember(tx, l.Name, d.Address); err != nil {
			return nil, err
		}
		removed = append(removed, d.Address)
	}
	if err := tx.DeleteOrg(l.Name, o.Slug); err != nil {
		return nil, err
	}
	if err := s.AuditChange(tx, a, l.Name, fmt.Sprintf("organization %s %s with %d delegate(s): %s", o.Slug, how, len(removed), strings.Join(removed, ", "))); err != nil {
		return nil, err
	}
	if err := s.queueNoticeIn(tx, l.Name, o.Contacts, "org-removed", map[string]any{
		"Title": l.Settings.Title, "Org": o.Slug, "Left": how == "left", "Delegates": removed,
		"OwnerAddress": s.addr(l.Name, RoleOwner, ""),
	}, notice{List: l.Name, From: s.addr(l.Name, RoleRequest, "")}); err != nil {
		return nil, err
	}
	return removed, s.promoteWaitlist(tx, l.Name)
}

// ListOrgs returns a coalition list's organizations with their
// delegates. Owners only: the roster of every organization is theirs.
func (s *Service) ListOrgs(ctx context.Context, a Actor, list string) ([]OrgView, error) {
	var out []OrgView
	err := s.st.View(func(tx *store.Tx) error {
		if _, err := loadCoalition(tx, list); err != nil {
			return err
		}
		if !ownsCoalition(tx, a, list) {
			if _, err := s.authorize(tx, a, list, PermSettings); err != nil {
				return err
			}
		}
		var err error
		out, err = orgViews(tx, list)
		return err
	})
	return out, err
}

func orgViews(tx *store.Tx, list string) ([]OrgView, error) {
	orgs, err := tx.Orgs(list)
	if err != nil {
		return nil, err
	}
	byOrg := map[string][]store.Membership{}
	err = tx.EachMember(list, func(m store.Membership) error {
		if m.Org != "" && m.Status != StatusBanned {
			byOrg[m.Org] = append(byOrg[m.Org], m)
		}
		return nil
	})
	out := make([]OrgView, len(orgs))
	for i, o := range orgs {
		out[i] = OrgView{Org: o, Delegates: byOrg[o.Slug]}
	}
	return out, err
}

// GetOrg returns one organization with its delegates, for its contacts
// and the list's owners. The owners' note is left out for contacts.
func (s *Service) GetOrg(ctx context.Context, a Actor, list, slug string) (OrgView, error) {
	var out OrgView
	err := s.st.View(func(tx *store.Tx) error {
		_, o, err := s.authorizeOrg(tx, a, list, slug)
		if err != nil {
			return err
		}
		if !ownsCoalition(tx, a, list) {
			o.Note = ""
		}
		ds, err := delegatesOf(tx, list, slug)
		out = OrgView{Org: o, Delegates: ds}
		return err
	})
	return out, err
}

// AddDelegate names addr a delegate of an organization: owners and the
// organization's contacts may. The delegate gets mail only after
// confirming by reply (or the link) to the confirmation mailed to them;
// until then the membership is pending and holds one of the seats. Over
// the seat cap the answer is ErrSeatsFull with the numbers.
func (s *Service) AddDelegate(ctx context.Context, a Actor, list, slug, addr string) (string, error) {
	var answer string
	err := s.st.Update(func(tx *store.Tx) error {
		var err error
		answer, err = s.addDelegateTx(tx, a, list, slug, addr)
		return err
	})
	return answer, err
}

func (s *Service) addDelegateTx(tx *store.Tx, a Actor, list, slug, addr string) (string, error) {
	addr = NormalizeAddress(addr)
	l, o, err := s.authorizeOrg(tx, a, list, slug)
	if err != nil {
		return "", err
	}
	if !ValidAddress(addr) {
		return "", refuse("%q is not a plain email address", addr)
	}
	mb, err := tx.Membership(list, addr)
	switch {
	case err == nil && mb.Status == StatusBanned:
		return "", refuse("%s cannot be a delegate on %s; write to %s", addr, l.Settings.Title, s.addr(list, RoleOwner, ""))
	case err == nil && mb.Org == o.Slug:
		if mb.Status == StatusPending {
			return addr + " is already named a delegate of " + o.Slug + " and has been asked to confirm.", nil
		}
		return addr + " is already a delegate of " + o.Slug + ".", nil
	case err == nil:
		return "", refuse("%s is already on %s (not as a delegate of %s)", addr, l.Settings.Title, o.Slug)
	case !errors.Is(err, store.ErrNotFound):
		return "", err
	}
	ds, err := delegatesOf(tx, list, o.Slug)
	if err != nil {
		return "", err
	}
	if o.Seats > 0 && len(ds) >= o.Seats {
		return "", orgRefusal{&SaidError{Kind: ErrSeatsFull, Said: say("org_err.seats_full",
			o.Slug, len(ds), o.Seats, l.Settings.Title, addr, s.addr(list, RoleOwner, ""))}}
	}
	if _, err := s.ensurePerson(tx, addr, ""); err != nil {
		return "", err
	}
	tok, err := s.pendingDelegate(tx, list, addr, o.Slug)
	if err != nil {
		return "", err
	}
	subj, body, err := s.renderTx(tx, addr, list, "delegate-confirm", map[string]any{
		"Title": l.Settings.Title, "Address": addr, "Org": o.Slug, "OrgName": or(o.Name, o.Slug), "By": a.Address,
		"ListAddress": s.addr(list, RolePost, ""), "URL": s.o.PublicURL + "/confirm/" + tok,
		"Expires": s.clock.Now().Add(confirmTTL),
	})
	if err != nil {
		return "", err
	}
	if err := s.queueNotice(tx, notice{List: list, To: []string{addr}, From: s.addr(list, RoleRequest, ""),
		ReplyTo: s.addr(list, RoleConfirm, tok), Subject: subj, Body: body}); err != nil {
		return "", err
	}
	if err := s.AuditChange(tx, a, list, "named "+addr+" a delegate of "+o.Slug+" (pending confirmation)"); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s is named a delegate of %s (%d of %s seats). They get mail from %s once they confirm the request I sent them.",
		addr, o.Slug, len(ds)+1, seatsText(o.Seats), l.Settings.Title), nil
}

func seatsText(n int) string {
	if n <= 0 {
		return "unlimited"
	}
	return fmt.Sprint(n)
}

// RemoveDelegate takes a delegate of an organization off the list:
// owners and the organization's contacts may.
func (s *Service) RemoveDelegate(ctx context.Context, a Actor, list, slug, addr string) (string, error) {
	var answer string
	err := s.st.Update(func(tx *store.Tx) error {
		var err error
		answer, err = s.removeDelegateTx(tx, a, list, slug, addr)
		return err
	})
	return answer, err
}

func (s *Service) removeDelegateTx(tx *store.Tx, a Actor, list, slug, addr string) (string, error) {
	addr = NormalizeAddress(addr)
	l, o, err := s.authorizeOrg(tx, a, list, slug)
	if err != nil {
		return "", err
	}
	mb, err := tx.Membership(list, addr)
	if err != nil || mb.Org != o.Slug || mb.Status == StatusBanned {
		return "", refuse("%s is not a delegate of %s on %s", addr, o.Slug, l.Settings.Title)
	}
	if _, err := s.removeMember(tx, list, addr); err != nil {
		return "", err
	}
	if err := s.AuditChange(tx, a, list, "removed "+addr+" as a delegate of "+o.Slug); err != nil {
		return "", err
	}
	return addr + " is no longer a delegate of " + o.Slug + " on " + l.Settings.Title + ".", s.promoteWaitlist(tx, list)
}

// orgOfMember is the short name of the organization a member speaks for
// on a coalition list, or "".
func orgOfMember(tx *store.Tx, l store.List, addr string) string {
	if l.Kind != KindCoalition {
		return ""
	}
	mb, err := tx.Membership(l.Name, NormalizeAddress(addr))
	if err != nil {
		return ""
	}
	return mb.Org
}

// whoCoalition is the `who` answer of a coalition list: the
// organizations and how many delegates each has; the asker's own
// organization's delegates; the contacts of every organization only for
// owners. Never another organization's delegates.
func (s *Service) whoCoalition(tx *store.Tx, l store.List, asker string) (string, error) {
	views, err := orgViews(tx, l.Name)
	if err != nil {
		return "", err
	}
	owner := RoleAllows(roleOn(tx, l.Name, asker), PermSettings)
	mine := orgOfMember(tx, l, asker)
	if o, ok, _ := orgOfContact(tx, l.Name, asker); ok {
		mine = o.Slug
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d organizations on %s:\n", len(views), l.Settings.Title)
	for _, v := range views {
		active := 0
		for _, d := range v.Delegates {
			if Deliverable(d) {
				active++
			}
		}
		name := v.Slug
		if v.Name != "" && v.Name != v.Slug {
			name += " (" + v.Name + ")"
		}
		fmt.Fprintf(&b, "  %s: %d delegate(s)\n", name, active)
		if owner || v.Slug == mine {
			fmt.Fprintf(&b, "    contacts: %s\n", strings.Join(v.Contacts, ", "))
			for _, d := range v.Delegates {
				if Deliverable(d) {
					fmt.Fprintf(&b, "    %s\n", d.Address)
				}
			}
		}
	}
	return strings.TrimRight(b.String(), "\n"), nil
}

// isContact tells whether addr is a contact of an organization on list.
func isContact(tx *store.Tx, list, addr string) bool {
	_, ok, err := orgOfContact(tx, list, addr)
	return ok && err == nil
}

// runOrgCommand carries out a contact's "delegate add|rm ADDRESS" or
// "org leave" once the sender is known to be a (the vouched From, or
// the confirmation's address). Refusals are answers, not errors: the
// mail reply says what happened and nothing changed.
func (s *Service) runOrgCommand(tx *store.Tx, a Actor, list store.List, c Command) (string, error) {
	lang := languageFor(tx, a.Address, list.Name) // the sender reads the answer
	if list.Kind != KindCoalition {
		return say("org_go.not_coalition", list.Settings.Title).In(lang), nil
	}
	o, ok, err := orgOfContact(tx, list.Name, a.Address)
	if err != nil {
		return "", err
	}
	owner := ownsCoalition(tx, a, list.Name)
	if !ok && !(owner && c.Name == cmdDelegate) {
		return say("org_go.not_contact", list.Settings.Title, a.Address).In(lang), nil
	}
	if c.Name == cmdOrg {
		removed, _, err := s.orgLeaveTx(tx, a, list.Name)
		if err != nil {
			return "", err
		}
		return say("org_go.left", o.Slug, list.Settings.Title, len(removed)).In(lang), nil
	}
	verb, addr, _ := strings.Cut(c.Arg, " ")
	if !ok {
		// An owner who is no contact names the organization by the
		// delegate's own record on removal; adding needs the web or CLI.
		mb, err := tx.Membership(list.Name, NormalizeAddress(addr))
		if delegateVerb(verb) != delegateRm || err != nil || mb.Org == "" {
			return say("org_go.owners_how", s.o.PublicURL+"/lists/"+list.Name+"/orgs").In(lang), nil
		}
		o.Slug = mb.Org
	}
	var answer string
	if delegateVerb(verb) == delegateAdd {
		answer, err = s.addDelegateTx(tx, a, list.Name, o.Slug, addr)
	} else {
		answer, err = s.removeDelegateTx(tx, a, list.Name, o.Slug, addr)
	}
	if err != nil && !isDomainRefusal(err) {
		return "", err
	}
	if err != nil {
		return say("org_go.refused", ErrorIn(err, lang)).In(lang), nil
	}
	return answer, nil
}

// isDomainRefusal tells a refusal worth answering (seat cap, a bad
// address, a person already on the list) from a store failure, which
// must fail the mail temporarily instead.
func isDomainRefusal(err error) bool {
	var r orgRefusal
	return errors.As(err, &r) || errors.Is(err, ErrForbidden) || errors.Is(err, ErrNotCoalition)
}

// orgRefusal is a refusal of a delegate change, said to the person who
// asked (the seat cap, an address that cannot be a delegate).
type orgRefusal struct{ err error }

func (r orgRefusal) Error() string { return r.err.Error() }
func (r orgRefusal) Unwrap() error { return r.err }

func refuse(format string, args ...any) error { return orgRefusal{fmt.Errorf(format, args...)} }

// askToConfirmOrgCommand mails a confirmation for a contact's command
// whose sender could not be verified: the change happens only when the
// contact's own address answers. A sender who is no contact is told so,
// and nothing is mailed anywhere else.
func (s *Service) askToConfirmOrgCommand(tx *store.Tx, list store.List, from string, c Command) (string, error) {
	lang := languageFor(tx, from, list.Name) // the sender reads the answer
	if list.Kind != KindCoalition || !(isContact(tx, list.Name, from) || ownsCoalition(tx, Person(from, DoorMail), list.Name)) {
		return say("org_go.contacts_only", list.Settings.Title).In(lang), nil
	}
	line := c.text()
	// One confirmation a day per contact, list and command: a stream of forged
	// commands must not become a stream of mail to the contact.
	key := "org-confirm/" + list.Name + "/" + from + "/" + line + "/" + s.clock.Now().UTC().Format("2006-01-02")
	if tx.JobDone(key) {
		return say("org_go.already_sent", from).In(lang), nil
	}
	if err := tx.MarkJob(key, s.clock.Now()); err != nil {
		return "", err
	}
	tok, err := s.IssueToken(tx, TokenConfirmCommand, list.Name, from, 0, line, confirmTTL)
	if err != nil {
		return "", err
	}
	subj, body, err := s.renderTx(tx, from, list.Name, "command-confirm", map[string]any{
		"Title": list.Settings.Title, "Address": from, "Command": line,
		"URL": s.o.PublicURL + "/confirm/" + tok, "Expires": s.clock.Now().Add(confirmTTL).Format("Mon 2 Jan 2006"),
		"ExpiresAt": s.clock.Now().Add(confirmTTL),
	})
	if err != nil {
		return "", err
	}
	if err := s.queueNotice(tx, notice{List: list.Name, To: []string{from}, From: s.addr(list.Name, RoleRequest, ""),
		ReplyTo: s.addr(list.Name, RoleConfirm, tok), Subject: subj, Body: body}); err != nil {
		return "", err
	}
	return say("command_go.confirm_first", from).In(lang), nil
}

// orgName is the name the archive and digests show for a delegate's
// post: "Alice (ACME)", or "(ACME)" beside a bare address.
func orgName(name, org string) string {
	if org == "" {
		return name
	}
	return strings.TrimSpace(name + " (" + org + ")")
}

// coalitionCSVColumns are the roster export's extra columns on a
// coalition list (an import ignores them).
var coalitionCSVColumns = []string{"org", "partner_type", "org_note"}

// coalitionCSV returns the extra export cells of a member of coalition
// list l (their organization, its partner type and the owners' note,
// which only owners get), or nil for other kinds of list.
func coalitionCSV(tx *store.Tx, a Actor, l store.List) func(store.Membership) []string {
	if l.Kind != KindCoalition {
		return nil
	}
	orgs, _ := tx.Orgs(l.Name)
	by := make(map[string]store.Org, len(orgs))
	for _, o := range orgs {
		by[o.Slug] = o
	}
	owner := ownsCoalition(tx, a, l.Name)
	return func(mb store.Membership) []string {
		o, ok := by[mb.Org]
		if !ok {
			return []string{"", "", ""}
		}
		note := o.Note
		if !owner {
			note = ""
		}
		return []string{o.Slug, string(o.Partner), note}
	}
}

// MyOrgs returns the organizations the signed-in person is a contact
// of, for the links on their own page (the owners' note left out).
func (s *Service) MyOrgs(ctx context.Context, a Actor) ([]store.Org, error) {
	var out []store.Org
	if a.Address == "" {
		return nil, nil
	}
	err := s.st.View(func(tx *store.Tx) error {
		var err error
		out, err = tx.OrgsOfContact(a.Address)
		return err
	})
	for i := range out {
		out[i].Note = ""
	}
	return out, err
}
