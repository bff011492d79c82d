package main

import (
	"context"
	"flag"
	"fmt"
	"time"
)

// setupBackup builds `minyan backup FILE`: one read transaction's view of
// the whole store, written where the command was typed (through the
// admin socket when the daemon runs) as a temporary file renamed into
// place once complete, so FILE is never a half-written copy. It never
// replaces the live store (that would lose everything written after it
// at the next start), and replaces an existing FILE only with --force.
func setupBackup(fs *flag.FlagSet) action {
	force := fs.Bool("force", false, "replace FILE if it exists")
	return func(_ context.Context, env *cmdEnv, args []string) error {
		start := time.Now()
		f, err := env.io.CreateFile(args[0], !*force)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		n, err := env.app.Store.WriteTo(f)
		if err != nil {
			f.Abort()
			return fmt.Errorf("backup: %w", err)
		}
		if err := f.Commit(); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		fmt.Fprintf(env.io.Stdout, "wrote %s (%d bytes) in %s\n", args[0], n, time.Since(start).Round(time.Millisecond))
		fmt.Fprintf(env.io.Stdout, "to restore: stop minyan, copy %s to %s/minyan.db, start minyan\n", args[0], env.app.Cfg.Server.DataDir)
		return nil
	}
}
