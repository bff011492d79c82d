package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// setupHeldLs builds `minyan held ls [--all] [LIST]`: pending held posts
// and join requests as ID<TAB>LIST<TAB>FROM<TAB>SUBJECT<TAB>REASON, oldest
// first. --all adds decided items with two more columns, the outcome and
// who decided (STATUS<TAB>BY), so owners can see the history.
func setupHeldLs(fs *flag.FlagSet) action {
	all := fs.Bool("all", false, "also show decided items, with STATUS and BY columns")
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		list := ""
		if len(args) == 1 {
			list = args[0]
			if _, err := env.app.Svc.GetList(list); err != nil {
				return fmt.Errorf("held ls: %w", err)
			}
		}
		if *all {
			items, err := env.app.Svc.HeldHistory(ctx, env.actor(), list)
			if err != nil {
				return fmt.Errorf("held ls: %w", err)
			}
			for _, h := range items {
				row(env.io.Stdout, strconv.FormatUint(h.ID, 10), h.List, h.From, h.Subject, h.Reason, string(h.Status), h.DecidedBy)
			}
			return nil
		}
		items, err := env.app.Svc.HeldItems(ctx, env.actor(), list)
		if err != nil {
			return fmt.Errorf("held ls: %w", err)
		}
		for _, h := range items {
			row(env.io.Stdout, strconv.FormatUint(h.ID, 10), h.List, h.From, h.Subject, h.Reason)
		}
		return nil
	}
}

// setupHeldDecide builds `minyan held approve|reject|discard [--reason R]
// ID`, the command-line twin of a moderator's reply. The first decision
// wins, whichever way it arrives.
func setupHeldDecide(decision string) func(fs *flag.FlagSet) action {
	past := map[string]string{"approve": "approved", "reject": "rejected", "discard": "discarded"}[decision]
	return func(fs *flag.FlagSet) action {
		reason := fs.String("reason", "", "`REASON` kept with the decision (for reject: told to the sender)")
		return func(ctx context.Context, env *cmdEnv, args []string) error {
			id, err := strconv.ParseUint(strings.TrimPrefix(args[0], "#"), 10, 64)
			if err != nil || id == 0 {
				return env.usage(fmt.Sprintf("%q is not a held item ID (a number from 'minyan held ls')", args[0]))
			}
			h, err := env.app.Svc.Decide(ctx, env.actor(), "", id, decision, *reason)
			if err != nil {
				return fmt.Errorf("held %s: %w", decision, err)
			}
			fmt.Fprintf(env.io.Stdout, "%s held item %d on %s from %s\n", past, h.ID, h.List, h.From)
			return nil
		}
	}
}
