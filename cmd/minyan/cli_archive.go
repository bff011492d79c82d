package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"minyan/listserv"
)

// setupArchiveExport builds `minyan archive export [-o FILE] LIST`: the
// archive as mboxrd, oldest first, to stdout or to FILE. FILE is written
// where the command was typed (through the admin socket when a daemon
// runs) and appears only once the export is complete.
func setupArchiveExport(fs *flag.FlagSet) action {
	out := fs.String("o", "", "write to `FILE` instead of standard output")
	return func(_ context.Context, env *cmdEnv, args []string) error {
		list := args[0]
		if *out == "" || *out == "-" {
			if _, err := env.app.Svc.ExportArchive(list, env.io.Stdout); err != nil {
				return fmt.Errorf("archive export: %w", err)
			}
			return nil
		}
		if _, err := env.app.Svc.GetList(list); err != nil {
			return fmt.Errorf("archive export: %w", err)
		}
		f, err := env.io.CreateFile(*out, false)
		if err != nil {
			return fmt.Errorf("archive export: %w", err)
		}
		n, err := env.app.Svc.ExportArchive(list, f)
		if err != nil {
			f.Abort()
			return fmt.Errorf("archive export: %w", err)
		}
		if err := f.Commit(); err != nil {
			return fmt.Errorf("archive export: %w", err)
		}
		fmt.Fprintf(env.io.Stdout, "exported %s from %s to %s\n", plural(n, "message"), list, *out)
		return nil
	}
}

// setupArchiveRm builds `minyan archive rm [--reason R] LIST SEQ`: the
// post leaves the archive, the web pages, search, the resource hub,
// feeds and IMAP; who removed it, when and why are recorded.
func setupArchiveRm(fs *flag.FlagSet) action {
	reason := fs.String("reason", "", "why the message is removed (recorded with who removed it)")
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		list := args[0]
		seq, err := strconv.ParseUint(strings.TrimPrefix(args[1], "#"), 10, 64)
		if err != nil || seq == 0 {
			return &usageError{msg: fmt.Sprintf("%q is not a message number (the number `minyan archive export` and IMAP show as UID)", args[1])}
		}
		actor := listserv.Operator(listserv.DoorCLI)
		actor.Via = env.io.Who
		if err := env.app.Svc.RedactMessage(ctx, actor, list, seq, *reason); err != nil {
			return fmt.Errorf("archive rm: %w", err)
		}
		fmt.Fprintf(env.io.Stdout, "removed message %d from the %s archive\n", seq, list)
		return nil
	}
}

// indexImported brings the search index and the resource hub up to date
// after an import, with a progress bar. A failure here loses nothing:
// the daemon catches the index up when it starts.
func indexImported(ctx context.Context, env *cmdEnv, list string) {
	prog := env.io.Progress
	started := false
	n, err := env.app.Svc.IndexArchive(ctx, env.app.Cfg.Server.DataDir, list, func(done, total int64) {
		if !started {
			started = true
			prog.Start("indexing "+list+" for search", total)
		}
		prog.Set(done)
	})
	if started {
		prog.Finish()
	}
	if err != nil {
		fmt.Fprintf(env.io.Stderr, "minyan: indexing %s for search stopped (%v); the daemon finishes it when it starts\n", list, err)
		return
	}
	_ = n // the progress bar showed it; stdout keeps the import's one summary line
}
