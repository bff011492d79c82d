package main

import (
	"context"
	"flag"
	"fmt"
)

// peopleCommands are the relationships across the network: rounds of
// introductions (profiles are `person set`).
func peopleCommands() []*command {
	return []*command{
		{name: "intros run", summary: "introduce opted-in people who share no list and never met here; prints the pairs (ADDRESS<TAB>ADDRESS)",
			setup: setupIntrosRun},
	}
}

// setupIntrosRun builds `minyan intros run`: one round now, whatever the
// clock's [network] intros_every says. It prints one pair per line and
// the count on stderr.
func setupIntrosRun(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		pairs, err := env.app.Svc.RunIntros(ctx, env.actor())
		if err != nil {
			return fmt.Errorf("intros run: %w", err)
		}
		for _, p := range pairs {
			row(env.io.Stdout, p.A, p.B)
		}
		fmt.Fprintf(env.io.Stderr, "%d introduction(s) mailed\n", len(pairs))
		return nil
	}
}
