package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"minyan/listserv"
)

// orgCommands manage the partner organizations of coalition lists.
func orgCommands() []*command {
	return []*command{
		{name: "org add", args: "[--seats N] [--name NAME] [--type immigrant-led|jewish|interfaith-ally|other] [--note TEXT] LIST ORG CONTACT",
			summary: "put a partner organization on a coalition list with its contact (again: add a contact, change the rest)",
			minArgs: 3, maxArgs: 3, setup: setupOrgAdd},
		{name: "org rm", args: "LIST ORG", summary: "take an organization off a coalition list with every delegate of it (its contacts are told)",
			minArgs: 2, maxArgs: 2, setup: setupOrgRm},
		{name: "org ls", args: "LIST", summary: "list a coalition list's organizations (ORG<TAB>CONTACTS<TAB>DELEGATES<TAB>SEATS)",
			minArgs: 1, maxArgs: 1, setup: setupOrgLs},
	}
}

// setupOrgAdd builds `minyan org add`. --seats 0 means no cap; without
// --seats a new organization has none and an existing one keeps its cap.
func setupOrgAdd(fs *flag.FlagSet) action {
	seats := fs.Int("seats", -1, "how many delegates the organization may name (0: no cap)")
	name := fs.String("name", "", "the organization's full name")
	typ := fs.String("type", "", "partner type: immigrant-led, jewish, interfaith-ally or other")
	note := fs.String("note", "", "a note for the list's owners only")
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		p, err := listserv.ParsePartnerType(*typ)
		if err != nil {
			return env.usage(err.Error())
		}
		o, err := env.app.Svc.AddOrg(ctx, env.actor(), args[0], listserv.OrgSpec{Slug: args[1], Contacts: []string{args[2]},
			Seats: *seats, Name: *name, Partner: p, Note: *note})
		if err != nil {
			return fmt.Errorf("org add: %w", err)
		}
		fmt.Fprintf(env.io.Stderr, "%s on %s: contacts %s, seats %s\n", o.Slug, o.List, strings.Join(o.Contacts, ", "), seatsCell(o.Seats))
		return nil
	}
}

func setupOrgRm(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		removed, err := env.app.Svc.RemoveOrg(ctx, env.actor(), args[0], args[1])
		if err != nil {
			return fmt.Errorf("org rm: %w", err)
		}
		for _, a := range removed {
			fmt.Fprintln(env.io.Stdout, a)
		}
		fmt.Fprintf(env.io.Stderr, "%s removed with %d delegate(s)\n", args[1], len(removed))
		return nil
	}
}

// setupOrgLs builds `minyan org ls LIST`: CONTACTS and DELEGATES are
// comma-separated (pending delegates marked "(pending)"), SEATS is the
// cap or "-" for none.
func setupOrgLs(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		views, err := env.app.Svc.ListOrgs(ctx, env.actor(), args[0])
		if err != nil {
			return fmt.Errorf("org ls: %w", err)
		}
		for _, v := range views {
			var ds []string
			for _, d := range v.Delegates {
				a := d.Address
				if d.Status == listserv.StatusPending {
					a += " (pending)"
				}
				ds = append(ds, a)
			}
			row(env.io.Stdout, v.Slug, strings.Join(v.Contacts, ","), strings.Join(ds, ","), seatsCell(v.Seats))
		}
		return nil
	}
}

func seatsCell(n int) string {
	if n <= 0 {
		return "-"
	}
	return strconv.Itoa(n)
}
