package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
)

// setupQueueLs builds `minyan queue ls`: waiting deliveries, then given-up
// ones, as ID<TAB>LIST<TAB>KIND<TAB>RCPT<TAB>STATE<TAB>ATTEMPTS<TAB>NEXT<TAB>LAST_ERROR.
// NEXT is the next attempt (for failed entries: when it was given up), in
// RFC 3339; an empty LAST_ERROR is "-" so every line has eight fields.
func setupQueueLs(fs *flag.FlagSet) action {
	return func(_ context.Context, env *cmdEnv, _ []string) error {
		entries, err := env.app.Svc.QueueEntries(0)
		if err != nil {
			return fmt.Errorf("queue ls: %w", err)
		}
		for _, e := range entries {
			last := e.LastError
			if last == "" {
				last = "-"
			}
			row(env.io.Stdout, e.ID, e.List, e.Kind, e.Address, e.State, strconv.Itoa(e.Attempts), timeText(e.Next), last)
		}
		return nil
	}
}
