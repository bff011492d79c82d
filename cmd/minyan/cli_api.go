package main

import (
	"context"
	"flag"
	"fmt"

	"minyan/store"
)

// apiCommands manage the JSON API's tokens and webhooks, and backups.
func apiCommands() []*command {
	return []*command{
		{name: "api token create", args: "[--scope read|write] NAME",
			summary: "make a token for the JSON API; it is printed once (only its hash is kept)",
			minArgs: 1, maxArgs: 1, setup: setupAPITokenCreate},
		{name: "api token ls", summary: "list API tokens (NAME<TAB>SCOPE<TAB>CREATED<TAB>LAST_USED)", setup: setupAPITokenLs},
		{name: "api token rm", args: "NAME", summary: "revoke an API token at once", minArgs: 1, maxArgs: 1, setup: setupAPITokenRm},
		{name: "webhook add", args: "[--events E,...] [--allow-private] URL",
			summary: "send events to URL; prints the signing secret once", minArgs: 1, maxArgs: 1, setup: setupWebhookAdd},
		{name: "webhook ls", summary: "list webhooks (ID<TAB>URL<TAB>EVENTS<TAB>WAITING<TAB>DELIVERED<TAB>LAST_SUCCESS<TAB>LAST_ERROR)", setup: setupWebhookLs},
		{name: "webhook rm", args: "ID", summary: "remove a webhook and the events still waiting for it", minArgs: 1, maxArgs: 1, setup: setupWebhookRm},
		{name: "backup", args: "[--force] FILE", summary: "write a consistent copy of the store to FILE, also while serve runs (--force replaces an existing FILE)",
			minArgs: 1, maxArgs: 1, setup: setupBackup},
	}
}

func setupAPITokenCreate(fs *flag.FlagSet) action {
	scope := fs.String("scope", "write", "`read|write`: read tokens may only GET")
	return func(_ context.Context, env *cmdEnv, args []string) error {
		secret, err := env.app.Svc.CreateAPIToken(args[0], store.APIScope(*scope))
		if err != nil {
			return fmt.Errorf("api token create: %w", err)
		}
		fmt.Fprintln(env.io.Stdout, secret)
		fmt.Fprintf(env.io.Stderr, "This is the only time the token is shown; keep it in your membership database's settings.\nUse it as: Authorization: Bearer %s...\n", secret[:8])
		return nil
	}
}

func setupAPITokenLs(*flag.FlagSet) action {
	return func(_ context.Context, env *cmdEnv, _ []string) error {
		toks, err := env.app.Svc.APITokens()
		if err != nil {
			return fmt.Errorf("api token ls: %w", err)
		}
		for _, t := range toks {
			row(env.io.Stdout, t.Name, string(t.Scope), timeText(t.Created), timeText(t.LastUsed))
		}
		return nil
	}
}

func setupAPITokenRm(*flag.FlagSet) action {
	return func(_ context.Context, env *cmdEnv, args []string) error {
		if err := env.app.Svc.RemoveAPIToken(args[0]); err != nil {
			return fmt.Errorf("api token rm: %w", err)
		}
		fmt.Fprintf(env.io.Stdout, "revoked %s\n", args[0])
		return nil
	}
}
