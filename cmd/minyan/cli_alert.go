package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// alertCommands count who acted on a list's action alerts.
func alertCommands() []*command {
	return []*command{
		{name: "alert ls", args: "LIST", summary: "show a list's action alerts, newest first (ID<TAB>SENT<TAB>DONE<TAB>SUBJECT)",
			minArgs: 1, maxArgs: 1, setup: setupAlertLs},
		{name: "alert show", args: "LIST ID", summary: "show who acted on one alert (ADDRESS<TAB>done|-<TAB>WHEN<TAB>NOTE)",
			minArgs: 2, maxArgs: 2, setup: setupAlertShow},
	}
}

// setupAlertLs builds `minyan alert ls LIST`: SENT is how many members
// the alert went to, DONE how many said they acted.
func setupAlertLs(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		alerts, err := env.app.Svc.ListAlerts(ctx, env.actor(), args[0])
		if err != nil {
			return fmt.Errorf("alert ls: %w", err)
		}
		for _, a := range alerts {
			row(env.io.Stdout, strconv.FormatUint(a.ID, 10), strconv.Itoa(a.Recipients), strconv.Itoa(a.Done), a.Subject)
		}
		return nil
	}
}

// setupAlertShow builds `minyan alert show LIST ID`: one line per member
// the alert went to, in roster order; WHEN is RFC 3339 (UTC) or "-".
func setupAlertShow(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		id, err := strconv.ParseUint(strings.TrimPrefix(args[1], "#"), 10, 64)
		if err != nil || id == 0 {
			return env.usage(fmt.Sprintf("%q is not an alert ID (a number from 'minyan alert ls')", args[1]))
		}
		_, rcpts, err := env.app.Svc.AlertDetail(ctx, env.actor(), args[0], id)
		if err != nil {
			return fmt.Errorf("alert show: %w", err)
		}
		for _, r := range rcpts {
			done := "-"
			if !r.Done.IsZero() {
				done = "done"
			}
			row(env.io.Stdout, r.Address, done, timeText(r.Done), r.Note)
		}
		return nil
	}
}
