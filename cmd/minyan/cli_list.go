package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"minyan/listserv"
	"minyan/store"
)

// setupListCreate builds `minyan list create [--kind K] [--title T]
// [--description D] NAME`; the kind only chooses preset settings.
func setupListCreate(fs *flag.FlagSet) action {
	kind := fs.String("kind", "discussion", "`KIND` of list: community, caucus, discussion or announce")
	title := fs.String("title", "", "`TITLE` shown in List-Id and notices (default: the name)")
	desc := fs.String("description", "", "one-line `DESCRIPTION` of the list")
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		l, err := env.app.Svc.CreateList(ctx, env.actor(), args[0], *kind, *title, *desc)
		if err != nil {
			return fmt.Errorf("list create: %w", err)
		}
		fmt.Fprintf(env.io.Stdout, "created list %s (%s)\n", l.Name, l.Kind)
		return nil
	}
}

// setupListSet builds `minyan list set NAME KEY=VALUE...` and echoes
// each value as stored, so normalisation (case, units) is visible.
func setupListSet(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		l, err := env.app.Svc.SetList(ctx, env.actor(), args[0], args[1:])
		if err != nil {
			return fmt.Errorf("list set %s: %w", args[0], err)
		}
		for _, p := range args[1:] {
			k, _, _ := strings.Cut(p, "=")
			k = strings.ToLower(strings.TrimSpace(k))
			fmt.Fprintf(env.io.Stdout, "set %s %s=%s\n", l.Name, k, cell(listserv.SettingValue(&l.Settings, k)))
		}
		return nil
	}
}

// setupListShow builds `minyan list show NAME`: KEY<TAB>VALUE lines, facts
// first, then every setting, in the text form `list set` accepts.
func setupListShow(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		name := args[0]
		var (
			l        store.List
			members  int
			archived int
		)
		err := env.app.Store.View(func(tx *store.Tx) error {
			var err error
			if l, err = tx.List(name); err != nil {
				return err
			}
			if members, err = listserv.MemberCount(tx, name); err != nil {
				return err
			}
			archived, _, err = tx.ArchiveStats(name)
			if errors.Is(err, store.ErrNotFound) {
				archived, err = 0, nil
			}
			return err
		})
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no list named %s", name)
		}
		if err != nil {
			return fmt.Errorf("list show %s: %w", name, err)
		}
		w := env.io.Stdout
		row(w, "name", l.Name)
		row(w, "kind", string(l.Kind))
		row(w, "created", timeText(l.Created))
		row(w, "members", strconv.Itoa(members))
		row(w, "archived_posts", strconv.Itoa(archived))
		for _, k := range listserv.SettingNames() {
			row(w, k, listserv.SettingValue(&l.Settings, k))
		}
		return nil
	}
}

// setupListLs builds `minyan list ls`: NAME<TAB>KIND<TAB>MEMBERS<TAB>TITLE,
// counted in one read transaction so the numbers agree with each other.
func setupListLs(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, _ []string) error {
		type line struct {
			l store.List
			n int
		}
		var lines []line
		err := env.app.Store.View(func(tx *store.Tx) error {
			lists, err := tx.Lists()
			if err != nil {
				return err
			}
			for _, l := range lists {
				n, err := listserv.MemberCount(tx, l.Name)
				if err != nil {
					return err
				}
				lines = append(lines, line{l, n})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("list ls: %w", err)
		}
		for _, ln := range lines {
			row(env.io.Stdout, ln.l.Name, string(ln.l.Kind), strconv.Itoa(ln.n), ln.l.Settings.Title)
		}
		return nil
	}
}

// setupListRm builds `minyan list rm NAME`, which also drops the
// list's roster, archive and held items.
func setupListRm(fs *flag.FlagSet) action {
	return func(ctx context.Context, env *cmdEnv, args []string) error {
		if err := env.app.Svc.DeleteList(ctx, env.actor(), args[0]); err != nil {
			return fmt.Errorf("list rm: %w", err)
		}
		fmt.Fprintf(env.io.Stdout, "removed list %s\n", args[0])
		return nil
	}
}
