package main

import (
	"context"
	"flag"
	"fmt"
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
		f, err := env.io.CreateFile(*out)
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
