package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"minyan/listserv"
	"minyan/store"
)

// checkRole accepts "" (not given) or one of the list roles: member,
// facilitator, moderator, owner.
func checkRole(role string) error {
	if role == "" || listserv.RoleRank(role) >= 0 {
		return nil
	}
	return fmt.Errorf("role %q: must be member, facilitator, moderator or owner", role)
}

// checkMode accepts "" (not given) or one of the delivery modes: each,
// digest, nomail.
func checkMode(mode string) error {
	switch mode {
	case "", "each", "digest", "nomail":
		return nil
	}
	return fmt.Errorf("mode %q: must be each, digest or nomail", mode)
}

// checkRoleMode validates --role and --mode before the store is touched,
// so a typo is one usage error rather than one error per address.
func checkRoleMode(env *cmdEnv, role, mode string) error {
	for _, err := range []error{checkRole(role), checkMode(mode)} {
		if err != nil {
			return env.usage("--" + err.Error())
		}
	}
	return nil
}

// setupMemberAdd builds `minyan member add [--role R] [--mode M] [--name N]
// LIST ADDRESS...`. Each address succeeds or fails on its own; failures
// go to stderr and set the exit status.
func setupMemberAdd(fs *flag.FlagSet) action {
	role := fs.String("role", "", "`ROLE` on the list: member (default), facilitator, moderator or owner")
	mode := fs.String("mode", "", "delivery `MODE`: each (default), digest or nomail")
	name := fs.String("name", "", "display `NAME` of the person (network-wide)")
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		if err := checkRoleMode(env, *role, *mode); err != nil {
			return err
		}
		list := args[0]
		specs := make([]listserv.MemberSpec, 0, len(args)-1)
		for _, a := range args[1:] {
			specs = append(specs, listserv.MemberSpec{Address: a, Name: *name, Role: listserv.ListRole(*role), Mode: listserv.Mode(*mode)})
		}
		res, err := env.app.Svc.AddMembers(ctx, env.actor(), list, specs, false)
		if err != nil {
			return fmt.Errorf("member add: %w", err)
		}
		failed := false
		for _, r := range res {
			switch {
			case r.Err != nil:
				failed = true
				fmt.Fprintf(env.io.Stderr, "minyan: %v\n", r.Err)
			case listserv.Status(r.Status) == listserv.StatusWaitlist:
				fmt.Fprintf(env.io.Stdout, "waitlisted %s on %s (the list is full)\n", r.Address, list)
			default:
				fmt.Fprintf(env.io.Stdout, "added %s to %s (%s)\n", r.Address, list, r.Status)
			}
		}
		if failed {
			return errSomeFailed
		}
		return nil
	}
}

// setupMemberSet builds `minyan member set [--role R] [--mode M] LIST
// ADDRESS`; setting a mode is also how bounced delivery is re-enabled.
func setupMemberSet(fs *flag.FlagSet) action {
	role := fs.String("role", "", "new `ROLE`: member, facilitator, moderator or owner")
	mode := fs.String("mode", "", "new delivery `MODE`: each, digest or nomail (re-enables delivery disabled by bounces)")
	format := fs.String("digest-format", "", "how digests come: `html` (formatted, with a text version; the default) or plain (text only)")
	freq := fs.String("digest", "", "how often digests come: `daily` or weekly (the default)")
	topics := fs.String("topics", "", "the topics followed, comma-separated (`housing,training`), or all")
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		if *role == "" && *mode == "" && *format == "" && *freq == "" && *topics == "" {
			return env.usage("nothing to change: give --role, --mode, --digest, --digest-format and/or --topics")
		}
		vol, err := parseVolumeFlags(env, *freq, *topics)
		if err != nil {
			return err
		}
		if err := checkRoleMode(env, *role, *mode); err != nil {
			return err
		}
		f, ok := store.ParseDigestFormat(*format)
		if *format != "" && !ok {
			return env.usage("--digest-format " + *format + ": must be plain or html")
		}
		list, addr := args[0], listserv.NormalizeAddress(args[1])
		if *role != "" || *mode != "" {
			if err := env.app.Svc.SetMember(ctx, env.actor(), list, addr, *role, *mode); err != nil {
				return fmt.Errorf("member set: %w", err)
			}
		}
		var changes []string
		if *role != "" {
			changes = append(changes, "role="+*role)
		}
		if *mode != "" {
			changes = append(changes, "mode="+*mode)
		}
		if ok {
			if err := env.app.Svc.SetDigestFormat(ctx, env.actor(), list, addr, f); err != nil {
				return fmt.Errorf("member set: %w", err)
			}
			changes = append(changes, "digest-format="+string(f))
		}
		more, err := vol.apply(ctx, env, list, addr)
		if err != nil {
			return fmt.Errorf("member set: %w", err)
		}
		changes = append(changes, more...)
		fmt.Fprintf(env.io.Stdout, "updated %s on %s: %s\n", addr, list, strings.Join(changes, " "))
		return nil
	}
}

// setupMemberRm builds `minyan member rm LIST ADDRESS...`; like add, each
// address succeeds or fails on its own.
func setupMemberRm(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		list := args[0]
		addrs := make([]string, 0, len(args)-1)
		for _, a := range args[1:] {
			addrs = append(addrs, listserv.NormalizeAddress(a))
		}
		res, err := env.app.Svc.RemoveMembers(ctx, env.actor(), list, addrs)
		if err != nil {
			return fmt.Errorf("member rm: %w", err)
		}
		failed := false
		for _, r := range res {
			if r.Err != nil {
				failed = true
				fmt.Fprintf(env.io.Stderr, "minyan: %v\n", r.Err)
				continue
			}
			fmt.Fprintf(env.io.Stdout, "removed %s from %s\n", r.Address, list)
		}
		if failed {
			return errSomeFailed
		}
		return nil
	}
}

// setupMemberLs builds `minyan member ls LIST`:
// ADDRESS<TAB>ROLE<TAB>MODE<TAB>STATUS in address order.
func setupMemberLs(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		ms, err := env.app.Svc.Members(args[0])
		if err != nil {
			return fmt.Errorf("member ls: %w", err)
		}
		for _, m := range ms {
			row(env.io.Stdout, m.Address, string(m.Role), string(m.Mode), string(m.Status))
		}
		return nil
	}
}
