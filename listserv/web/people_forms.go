package web

import (
	"errors"
	"net/url"
	"strconv"
	"strings"

	"minyan/listserv"
	"minyan/store"
)

// Parsers of the profile form and the directory's query (fuzzed in
// people_test.go). They turn fields into a listserv.ProfileChange or a
// listserv.PeopleQuery and leave every decision to the domain.

// profileValues reads POST /me/profile. A text field that is absent stays
// as it is. The form sends each yes/no field twice, a hidden "false" and
// the checkbox's "true", so the last value given wins and an unticked box
// means false; "roles" likewise carries an empty hidden value, so no box
// ticked means no roles. Roles may also come comma-separated (scripts).
func profileValues(v url.Values) (listserv.ProfileChange, error) {
	var c listserv.ProfileChange
	text := func(name string) *string {
		vals, ok := v[name]
		if !ok || len(vals) == 0 {
			return nil
		}
		s := vals[len(vals)-1]
		return &s
	}
	c.Name, c.Pronouns, c.Region, c.About, c.Offers = text("name"), text("pronouns"), text("region"), text("about"), text("offers")
	if c.Name != nil && strings.TrimSpace(*c.Name) == "" {
		c.Name = nil // a name is never erased from the form; leaving it empty keeps it
	}
	for _, f := range []struct {
		name string
		dst  **bool
	}{{"listed", &c.Listed}, {"intros", &c.Intros}, {"skip_next_intro", &c.SkipNextIntro}} {
		vals, ok := v[f.name]
		if !ok || len(vals) == 0 {
			continue
		}
		b, err := listserv.ParseBool(vals[len(vals)-1])
		if err != nil {
			return c, errors.New(f.name + ": " + err.Error())
		}
		*f.dst = &b
	}
	if vals, ok := v["roles"]; ok {
		roles, err := listserv.ParseProfileRoles(strings.Join(vals, ","))
		if err != nil {
			return c, err
		}
		c.Roles = &roles
	}
	if s := text("lang"); s != nil {
		l, err := listserv.ParseLang(*s)
		if err != nil {
			return c, err
		}
		c.Lang = &l
	}
	c.Zone = text("zone")
	return c, nil
}

// peopleQuery reads GET /people?q=&region=&role=&page=. A role or page
// that cannot be read is an error; over-long words are cut.
func peopleQuery(v url.Values) (listserv.PeopleQuery, error) {
	cut := func(s string, n int) string {
		s = strings.TrimSpace(s)
		if len(s) > n {
			s = strings.ToValidUTF8(s[:n], "")
		}
		return s
	}
	q := listserv.PeopleQuery{Q: cut(v.Get("q"), 200), Region: cut(v.Get("region"), 80), Page: 1}
	if r := strings.TrimSpace(v.Get("role")); r != "" {
		role, err := listserv.ParseProfileRole(r)
		if err != nil {
			return q, err
		}
		q.Role = role
	}
	if p := strings.TrimSpace(v.Get("page")); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 100000 {
			return q, errors.New("that page number is not one of this directory's pages")
		}
		q.Page = n
	}
	return q, nil
}

// roleChoice is one role box of the profile form or one option of the
// directory's role filter.
type roleChoice struct {
	Value, Label string
	On           bool
}

func roleChoices(on func(store.ProfileRole) bool) []roleChoice {
	out := make([]roleChoice, 0, len(store.ProfileRoles))
	for _, r := range store.ProfileRoles {
		out = append(out, roleChoice{Value: string(r), Label: r.Label(), On: on(r)})
	}
	return out
}
