package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
)

// cohortCommands are a community's cohorts: the next one from the
// waitlist of the last.
func cohortCommands() []*command {
	return []*command{
		{name: "cohort next", args: "[--title T] LIST NEWNAME", minArgs: 2, maxArgs: 2,
			summary: "start the next cohort: a new community list with LIST's settings, its waitlist invited in order",
			setup:   setupCohortNext},
	}
}

// setupCohortNext builds `minyan cohort next [--title T] LIST NEWNAME`:
// it prints each invited address in waitlist order, then those not
// invited with the reason (ADDRESS<TAB>REASON) on stderr.
func setupCohortNext(fs *flag.FlagSet) action {
	title := fs.String("title", "", "`TITLE` of the new list (default: the old list's)")
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		res, err := env.app.Svc.NextCohort(ctx, env.actor(), args[0], args[1], *title)
		if err != nil {
			return fmt.Errorf("cohort next: %w", err)
		}
		fmt.Fprintf(env.io.Stdout, "created list %s (%s)\n", res.List.Name, res.List.Kind)
		for _, a := range res.Invited {
			fmt.Fprintf(env.io.Stdout, "invited %s\n", a)
		}
		skipped := make([]string, 0, len(res.Skipped))
		for a := range res.Skipped {
			skipped = append(skipped, a)
		}
		sort.Strings(skipped)
		for _, a := range skipped {
			row(env.io.Stderr, a, res.Skipped[a])
		}
		return nil
	}
}
