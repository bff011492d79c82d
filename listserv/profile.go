package listserv

import (
	"context"
	"errors"
	"fmt"
	"minyan/listserv/i18n"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"minyan/store"
)

// Profiles: what a person tells the network about themselves, so people
// on different lists can find and meet each other. A profile is private
// until its person opts in: Listed puts it in the people directory,
// Intros into the rounds of introductions. SetProfile is the one writer
// of the profile record; the name it changes is the person record's,
// written by the person writer (upsertPerson).

// Bounds of the profile fields, in characters.
const (
	maxProfileName   = 100
	maxProfilePron   = 40
	maxProfileRegion = 80
	maxProfileAbout  = 2000
	maxProfileOffers = 1000
)

// Lang is a language minyan writes in (the i18n package holds its
// catalogues and rules).
type Lang = i18n.Lang

// The languages of pages and mail.
const (
	LangEnglish = i18n.English
	LangHebrew  = i18n.Hebrew
	LangSpanish = i18n.Spanish
)

// ParseLang reads en, he or es ("" stays "": no choice made).
func ParseLang(s string) (Lang, error) {
	switch l := Lang(strings.ToLower(strings.TrimSpace(s))); l {
	case "", LangEnglish, LangHebrew, LangSpanish:
		return l, nil
	}
	return "", profileErr("profile_err.language", strconv.Quote(s))
}

// ParseProfileRole reads one role, as its name ("organizer") or label
// ("political educator"), in any case.
func ParseProfileRole(s string) (store.ProfileRole, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer(" ", "-", "_", "-").Replace(k)
	for _, r := range store.ProfileRoles {
		if string(r) == k {
			return r, nil
		}
	}
	return "", profileErr("profile_err.role", strconv.Quote(strings.TrimSpace(s)))
}

// ParseProfileRoles reads a comma-separated list of roles; each role
// counts once, in the order of store.ProfileRoles.
func ParseProfileRoles(s string) ([]store.ProfileRole, error) {
	var out []store.ProfileRole
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		r, err := ParseProfileRole(part)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return SortRoles(out), nil
}

// SortRoles puts roles in their page order without repeats.
func SortRoles(rs []store.ProfileRole) []store.ProfileRole {
	out := []store.ProfileRole{}
	for _, r := range store.ProfileRoles {
		if slices.Contains(rs, r) {
			out = append(out, r)
		}
	}
	return out
}

// ProfileError is a profile field, directory query or message the
// person must correct; its text is a sentence for them.
type ProfileError struct {
	Reason string
	// Why is Reason as a sentence of the catalogue (zero: Reason only).
	Why Said
}

func (e *ProfileError) Error() string { return e.Reason }

// In is the reason in language l.
func (e *ProfileError) In(l Lang) string {
	if e.Why.IsZero() {
		return e.Reason
	}
	return e.Why.In(l)
}

// profileErr is the ProfileError saying key with args.
func profileErr(key string, args ...any) error {
	why := say(key, args...)
	return &ProfileError{Reason: why.In(LangEnglish), Why: why}
}

// ProfileChange is what SetProfile changes; nil fields stay as they are.
type ProfileChange struct {
	Name     *string
	Pronouns *string
	Region   *string
	Roles    *[]store.ProfileRole
	About    *string
	Offers   *string
	Listed   *bool
	Intros   *bool
	Lang     *Lang
	// Zone is an IANA time zone name, "" to choose none.
	Zone *string
	// SkipNextIntro is the "not now" for the next round of
	// introductions.
	SkipNextIntro *bool
}

// Empty tells whether the change changes nothing.
func (c ProfileChange) Empty() bool {
	return c == ProfileChange{}
}

// ProfileView is a person's own profile with their name.
type ProfileView struct {
	store.Profile
	Name string
}

// cleanText trims a field, keeps line breaks only where multiline, drops
// other control characters and checks the length.
func cleanText(field, s string, max int, multiline bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", profileErr("profile_err.not_text", field)
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		if r == '\n' && multiline {
			return r
		}
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n > max {
		return "", profileErr("profile_err.too_long", field, n, max)
	}
	return s, nil
}

// cleanChange checks and tidies every text field of c.
func cleanChange(c *ProfileChange) error {
	for _, f := range []struct {
		name      string
		p         *string
		max       int
		multiline bool
	}{
		{"name", c.Name, maxProfileName, false},
		{"pronouns", c.Pronouns, maxProfilePron, false},
		{"region", c.Region, maxProfileRegion, false},
		{"about", c.About, maxProfileAbout, true},
		{"offers", c.Offers, maxProfileOffers, true},
	} {
		if f.p == nil {
			continue
		}
		v, err := cleanText(f.name, *f.p, f.max, f.multiline)
		if err != nil {
			return err
		}
		*f.p = v
	}
	if c.Roles != nil {
		rs := SortRoles(*c.Roles)
		if len(rs) != len(*c.Roles) {
			for _, r := range *c.Roles {
				if _, err := ParseProfileRole(string(r)); err != nil {
					return err
				}
			}
		}
		c.Roles = &rs
	}
	if c.Lang != nil {
		l, err := ParseLang(string(*c.Lang))
		if err != nil {
			return err
		}
		c.Lang = &l
	}
	if c.Zone != nil {
		z := strings.TrimSpace(*c.Zone)
		if _, ok := ParseZone(z); !ok {
			return profileErr("profile_err.timezone", strconv.Quote(z))
		}
		c.Zone = &z
	}
	return nil
}

// mayEditProfile: a person edits their own profile; site admins and the
// operator anyone's.
func mayEditProfile(tx *store.Tx, a Actor, addr string) error {
	if a.Address != "" && a.Address == addr {
		return nil
	}
	if isSiteAdmin(tx, a) {
		return nil
	}
	return ErrForbidden
}

// knownPerson tells whether addr has a person record or any membership.
func knownPerson(tx *store.Tx, addr string) (bool, error) {
	if _, err := tx.Person(addr); err == nil {
		return true, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	lists, err := tx.ListsOf(addr)
	return len(lists) > 0, err
}

// SetProfile changes a person's profile (and their name), creating it
// when needed. A person changes their own; site admins and the operator
// anyone's. Turning Listed off takes the person out of the directory at
// once: the directory's index follows every profile write.
func (s *Service) SetProfile(ctx context.Context, a Actor, addr string, c ProfileChange) (ProfileView, error) {
	addr = NormalizeAddress(addr)
	if !ValidAddress(addr) {
		return ProfileView{}, fmt.Errorf("%q is not an email address: %w", addr, ErrBadAddress)
	}
	if err := cleanChange(&c); err != nil {
		return ProfileView{}, err
	}
	now := s.clock.Now()
	var out ProfileView
	err := s.st.Update(func(tx *store.Tx) error {
		if err := mayEditProfile(tx, a, addr); err != nil {
			return err
		}
		// A new name counts as a profile write too (store.PutPerson):
		// the index learns both from this one change.
		since := tx.ProfilesVersion()
		if known, err := knownPerson(tx, addr); err != nil {
			return err
		} else if !known && !isSiteAdmin(tx, a) {
			return ErrForbidden
		}
		var what []string
		if c.Name != nil && *c.Name != "" {
			if err := s.upsertPerson(tx, MemberSpec{Address: addr, Name: *c.Name}); err != nil {
				return err
			}
			what = append(what, "name")
		} else if _, err := tx.Person(addr); errors.Is(err, store.ErrNotFound) {
			if err := s.upsertPerson(tx, MemberSpec{Address: addr}); err != nil {
				return err
			}
		}
		p, err := tx.Profile(addr)
		if errors.Is(err, store.ErrNotFound) {
			p = store.Profile{Address: addr, Created: now}
		} else if err != nil {
			return err
		}
		set := func(name string, dst *string, v *string) {
			if v != nil && *dst != *v {
				*dst = *v
				what = append(what, name)
			}
		}
		setB := func(name string, dst *bool, v *bool) {
			if v != nil && *dst != *v {
				*dst = *v
				what = append(what, fmt.Sprintf("%s=%t", name, *v))
			}
		}
		set("pronouns", &p.Pronouns, c.Pronouns)
		set("region", &p.Region, c.Region)
		set("about", &p.About, c.About)
		set("offers", &p.Offers, c.Offers)
		if c.Roles != nil && !slices.Equal(p.Roles, *c.Roles) {
			p.Roles = *c.Roles
			what = append(what, "roles")
		}
		if c.Lang != nil && p.Lang != string(*c.Lang) {
			p.Lang = string(*c.Lang)
			what = append(what, "lang="+p.Lang)
		}
		set("zone", &p.Zone, c.Zone)
		setB("listed", &p.Listed, c.Listed)
		setB("intros", &p.Intros, c.Intros)
		setB("skip_next_intro", &p.SkipNextIntro, c.SkipNextIntro)
		p.Updated = now
		if out, err = s.putProfile(tx, p, since); err != nil {
			return err
		}
		if len(what) == 0 {
			return nil
		}
		// The audit names the fields changed, never their values: a
		// profile is the person's own words.
		return s.AuditChange(tx, a, "", "profile of "+addr+": "+strings.Join(what, " "))
	})
	if err != nil {
		return ProfileView{}, fmt.Errorf("profile of %s: %w", addr, err)
	}
	return out, nil
}

// Profile returns a person's own profile (empty, with defaults, when
// they have none yet). A person reads their own; site admins and the
// operator anyone's.
func (s *Service) Profile(ctx context.Context, a Actor, addr string) (ProfileView, error) {
	addr = NormalizeAddress(addr)
	var out ProfileView
	err := s.st.View(func(tx *store.Tx) error {
		if err := mayEditProfile(tx, a, addr); err != nil {
			return err
		}
		out.Address = addr
		if p, err := tx.Person(addr); err == nil {
			out.Name = p.Name
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		p, err := tx.Profile(addr)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		out.Profile = p
		return nil
	})
	if err != nil {
		return ProfileView{}, fmt.Errorf("profile of %s: %w", addr, err)
	}
	return out, nil
}

// putProfile is the one writer of profile records (SetProfile, and the
// introductions clearing a "not now"). After the commit it brings the
// directory's index along.
//
// since is the profiles version before this change began; the index,
// when at that version, applies the change incrementally.
func (s *Service) putProfile(tx *store.Tx, p store.Profile, since uint64) (ProfileView, error) {
	p, err := tx.PutProfile(p)
	if err != nil {
		return ProfileView{}, err
	}
	name := ""
	if person, err := tx.Person(p.Address); err == nil {
		name = person.Name
	} else if !errors.Is(err, store.ErrNotFound) {
		return ProfileView{}, err
	}
	version := tx.ProfilesVersion()
	tx.OnCommit(func() { s.people.apply(p, name, since, version) })
	return ProfileView{Profile: p, Name: name}, nil
}
