package main

import (
	"context"
	"flag"
	"fmt"

	"minyan/listserv"
)

// profileFlags defines the profile flags of `minyan person set` on fs
// (--pronouns, --region, --roles, --about, --offers, --listed, --intros,
// --lang) and returns what reads them after parsing: the change to pass
// to SetProfile and the "key=value" words to print.
func profileFlags(fs *flag.FlagSet) func(given map[string]bool) (listserv.ProfileChange, []string, error) {
	pronouns := fs.String("pronouns", "", "`PRONOUNS` shown on the profile")
	region := fs.String("region", "", "`REGION` of the profile (a city, state or country)")
	roles := fs.String("roles", "", "comma-separated `ROLES`: political-educator, organizer, spiritual-leader, cultural-worker, other (empty: none)")
	about := fs.String("about", "", "the profile's `TEXT` about the person")
	offers := fs.String("offers", "", "what the person can help with (`TEXT`)")
	listed := fs.String("listed", "", "`true|false`: whether the profile is in the people directory")
	intros := fs.String("intros", "", "`true|false`: whether the person is introduced to people on other lists")
	lang := fs.String("lang", "", "`en|he|es`: the person's language")
	return func(given map[string]bool) (listserv.ProfileChange, []string, error) {
		var c listserv.ProfileChange
		var words []string
		for _, f := range []struct {
			name string
			dst  **string
			v    *string
		}{{"pronouns", &c.Pronouns, pronouns}, {"region", &c.Region, region}, {"about", &c.About, about}, {"offers", &c.Offers, offers}} {
			if given[f.name] {
				*f.dst = f.v
				words = append(words, fmt.Sprintf("%s=%q", f.name, *f.v))
			}
		}
		if given["roles"] {
			rs, err := listserv.ParseProfileRoles(*roles)
			if err != nil {
				return c, nil, fmt.Errorf("--roles: %w", err)
			}
			c.Roles = &rs
			words = append(words, fmt.Sprintf("roles=%v", rs))
		}
		for _, f := range []struct {
			name string
			dst  **bool
			v    *string
		}{{"listed", &c.Listed, listed}, {"intros", &c.Intros, intros}} {
			if !given[f.name] {
				continue
			}
			b, err := listserv.ParseBool(*f.v)
			if err != nil {
				return c, nil, fmt.Errorf("--%s %q: must be true or false", f.name, *f.v)
			}
			*f.dst = &b
			words = append(words, fmt.Sprintf("%s=%t", f.name, b))
		}
		if given["lang"] {
			l, err := listserv.ParseLang(*lang)
			if err != nil {
				return c, nil, fmt.Errorf("--lang: %w", err)
			}
			c.Lang = &l
			words = append(words, "lang="+string(l))
		}
		return c, words, nil
	}
}

// setProfile applies the profile part of `person set`.
func setProfile(ctx context.Context, env *cmdEnv, addr string, c listserv.ProfileChange) error {
	if c.Empty() {
		return nil
	}
	if _, err := env.app.Svc.SetProfile(ctx, env.actor(), addr, c); err != nil {
		return fmt.Errorf("person set: %w", err)
	}
	return nil
}
