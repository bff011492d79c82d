package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
)

func setupWebhookAdd(fs *flag.FlagSet) action {
	events := fs.String("events", "", "comma-separated `E,...` (default: every event): member.joined, member.left, member.disabled, post.held, post.distributed, session.rsvp, alert.done")
	allowPrivate := fs.Bool("allow-private", false, "allow a receiver on a loopback or private address (such as a CRM on this host)")
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		var evs []string
		if *events != "" {
			evs = strings.Split(*events, ",")
		}
		w, err := env.app.Svc.AddWebhook(ctx, args[0], evs, *allowPrivate, nil)
		if err != nil {
			return fmt.Errorf("webhook add: %w", err)
		}
		fmt.Fprintln(env.io.Stdout, w.Secret)
		fmt.Fprintf(env.io.Stderr, "webhook %d added for %s. The line above is its signing secret, shown only now:\nthe receiver checks the webhook-signature header with it.\n", w.ID, w.URL)
		return nil
	}
}

func setupWebhookLs(*flag.FlagSet) action {
	return func(_ context.Context, env *cmdEnv, _ []string) error {
		hooks, err := env.app.Svc.Webhooks()
		if err != nil {
			return fmt.Errorf("webhook ls: %w", err)
		}
		backlog, err := env.app.Svc.WebhookBacklog()
		if err != nil {
			return fmt.Errorf("webhook ls: %w", err)
		}
		for _, w := range hooks {
			evs := "all"
			if len(w.Events) > 0 {
				evs = strings.Join(w.Events, ",")
			}
			lastErr := "-"
			if w.LastError != "" && !w.LastErrorAt.Before(w.LastSuccess) {
				lastErr = timeText(w.LastErrorAt) + " " + w.LastError
			}
			row(env.io.Stdout, strconv.FormatUint(w.ID, 10), w.URL, evs, strconv.Itoa(backlog[w.ID]), strconv.Itoa(w.Delivered), timeText(w.LastSuccess), lastErr)
		}
		return nil
	}
}

func setupWebhookRm(*flag.FlagSet) action {
	return func(_ context.Context, env *cmdEnv, args []string) error {
		id, err := strconv.ParseUint(args[0], 10, 64)
		if err != nil {
			return env.usage(fmt.Sprintf("%q is not a webhook id (see 'minyan webhook ls')", args[0]))
		}
		if err := env.app.Svc.RemoveWebhook(id); err != nil {
			return fmt.Errorf("webhook rm: %w", err)
		}
		fmt.Fprintf(env.io.Stdout, "removed webhook %d\n", id)
		return nil
	}
}
