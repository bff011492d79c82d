package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"minyan/listserv"
)

// setupPersonSet builds `minyan person set [--name N] [--good-standing
// true|false] ADDRESS`: network-wide facts about a person, shared by all
// their memberships. Only the flags given are changed.
func setupPersonSet(fs *flag.FlagSet) action {
	name := fs.String("name", "", "display `NAME`")
	good := fs.String("good-standing", "", "`true|false`: whether the person's dues are paid (lists with require_good_standing check it)")
	return func(_ context.Context, env *cmdEnv, args []string) error {
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		if len(given) == 0 {
			return env.usage("nothing to change: give --name and/or --good-standing")
		}
		var (
			namePtr *string
			goodPtr *bool
			changes []string
		)
		if given["name"] {
			namePtr = name
			changes = append(changes, fmt.Sprintf("name=%q", *name))
		}
		if given["good-standing"] {
			b, err := listserv.ParseBool(*good)
			if err != nil {
				return env.usage(fmt.Sprintf("--good-standing %q: must be true or false", *good))
			}
			goodPtr = &b
			changes = append(changes, fmt.Sprintf("good_standing=%t", b))
		}
		addr := listserv.NormalizeAddress(args[0])
		if err := env.app.Svc.SetPerson(addr, namePtr, goodPtr); err != nil {
			return fmt.Errorf("person set: %w", err)
		}
		fmt.Fprintf(env.io.Stdout, "updated %s: %s\n", addr, strings.Join(changes, " "))
		return nil
	}
}
