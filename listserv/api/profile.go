package api

import (
	"context"

	"minyan/listserv"
	"minyan/store"
)

// ProfileCore is the profile part of /api/v1/people/ADDRESS: a Core that
// is also a ProfileCore (ServiceCore is) shows the person's profile on
// GET and changes it on PATCH. It is apart from Core so that the API's
// fakes and other cores need not know of profiles.
type ProfileCore interface {
	Profile(ctx context.Context, a listserv.Actor, addr string) (listserv.ProfileView, error)
	SetProfile(ctx context.Context, a listserv.Actor, addr string, c listserv.ProfileChange) (listserv.ProfileView, error)
}

var _ ProfileCore = ServiceCore{}

// Profile returns a person's profile.
func (c ServiceCore) Profile(ctx context.Context, a listserv.Actor, addr string) (listserv.ProfileView, error) {
	return c.Svc.Profile(ctx, a, addr)
}

// SetProfile changes a person's profile, as `person set` does.
func (c ServiceCore) SetProfile(ctx context.Context, a listserv.Actor, addr string, ch listserv.ProfileChange) (listserv.ProfileView, error) {
	return c.Svc.SetProfile(ctx, a, addr, ch)
}

// profileJSON is the "profile" of GET /api/v1/people/ADDRESS.
type profileJSON struct {
	ID       string   `json:"id,omitempty"`
	Pronouns string   `json:"pronouns"`
	Region   string   `json:"region"`
	Roles    []string `json:"roles"`
	About    string   `json:"about"`
	Offers   string   `json:"offers"`
	Listed   bool     `json:"listed"`
	Intros   bool     `json:"intros"`
	Lang     string   `json:"lang"`
}

func profileOut(p store.Profile) *profileJSON {
	out := &profileJSON{ID: p.ID, Pronouns: p.Pronouns, Region: p.Region, Roles: []string{}, About: p.About, Offers: p.Offers,
		Listed: p.Listed, Intros: p.Intros, Lang: p.Lang}
	for _, r := range p.Roles {
		out.Roles = append(out.Roles, string(r))
	}
	return out
}

// PatchProfileIn are the profile fields of PATCH /api/v1/people/ADDRESS;
// absent fields stay as they are.
type PatchProfileIn struct {
	Pronouns *string   `json:"pronouns,omitempty"`
	Region   *string   `json:"region,omitempty"`
	Roles    *[]string `json:"roles,omitempty"`
	About    *string   `json:"about,omitempty"`
	Offers   *string   `json:"offers,omitempty"`
	Listed   *bool     `json:"listed,omitempty"`
	Intros   *bool     `json:"intros,omitempty"`
	Lang     *string   `json:"lang,omitempty"`
}

// change reads the profile fields into a ProfileChange.
func (in PatchProfileIn) change() (listserv.ProfileChange, error) {
	c := listserv.ProfileChange{Pronouns: in.Pronouns, Region: in.Region, About: in.About, Offers: in.Offers, Listed: in.Listed, Intros: in.Intros}
	if in.Roles != nil {
		var rs []store.ProfileRole
		for _, s := range *in.Roles {
			r, err := listserv.ParseProfileRole(s)
			if err != nil {
				return c, err
			}
			rs = append(rs, r)
		}
		rs = listserv.SortRoles(rs)
		c.Roles = &rs
	}
	if in.Lang != nil {
		l, err := listserv.ParseLang(*in.Lang)
		if err != nil {
			return c, err
		}
		c.Lang = &l
	}
	return c, nil
}

// profileOf is the person's profile for GET, when the core keeps them.
func (h *handler) profileOf(ctx context.Context, a listserv.Actor, addr string) (*profileJSON, error) {
	pc, ok := h.core.(ProfileCore)
	if !ok {
		return nil, nil
	}
	v, err := pc.Profile(ctx, a, addr)
	if err != nil {
		return nil, err
	}
	return profileOut(v.Profile), nil
}

// setProfile applies the profile fields of a PATCH.
func (h *handler) setProfile(ctx context.Context, a listserv.Actor, addr string, c listserv.ProfileChange) error {
	if c.Empty() {
		return nil
	}
	pc, ok := h.core.(ProfileCore)
	if !ok {
		return errProfilesOff
	}
	_, err := pc.SetProfile(ctx, a, addr, c)
	return err
}
