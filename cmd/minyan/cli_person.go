package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"minyan/listserv"
)

// setupPersonSet builds `minyan person set [--name N] [--good-standing
// true|false] [--admin true|false] ADDRESS`: network-wide facts about a
// person, shared by all their memberships. Only the flags given are
// changed.
func setupPersonSet(fs *flag.FlagSet) action {
	name := fs.String("name", "", "display `NAME`")
	good := fs.String("good-standing", "", "`true|false`: whether the person's dues are paid (lists with require_good_standing check it)")
	admin := fs.String("admin", "", "`true|false`: whether the person is a site admin (every list, list creation)")
	profile := profileFlags(fs) // cli_profile.go
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		if len(given) == 0 {
			return env.usage("nothing to change: give --name, --good-standing, --admin and/or profile flags (--pronouns, --region, --roles, --about, --offers, --listed, --intros, --lang)")
		}
		pc, profileWords, err := profile(given)
		if err != nil {
			return env.usage(err.Error())
		}
		var (
			change  listserv.PersonChange
			changes []string
		)
		if given["name"] {
			change.Name = name
			changes = append(changes, fmt.Sprintf("name=%q", *name))
		}
		if given["good-standing"] {
			b, err := listserv.ParseBool(*good)
			if err != nil {
				return env.usage(fmt.Sprintf("--good-standing %q: must be true or false", *good))
			}
			change.GoodStanding = &b
			changes = append(changes, fmt.Sprintf("good_standing=%t", b))
		}
		if given["admin"] {
			b, err := listserv.ParseBool(*admin)
			if err != nil {
				return env.usage(fmt.Sprintf("--admin %q: must be true or false", *admin))
			}
			change.Admin = &b
			changes = append(changes, fmt.Sprintf("admin=%t", b))
		}
		addr := listserv.NormalizeAddress(args[0])
		if len(changes) > 0 {
			if err := env.app.Svc.SetPerson(ctx, env.actor(), addr, change); err != nil {
				return fmt.Errorf("person set: %w", err)
			}
		}
		if err := setProfile(ctx, env, addr, pc); err != nil {
			return err
		}
		changes = append(changes, profileWords...)
		fmt.Fprintf(env.io.Stdout, "updated %s: %s\n", addr, strings.Join(changes, " "))
		return nil
	}
}
