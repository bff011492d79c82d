package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"minyan/digest"
	"minyan/listserv"
	"minyan/store"
)

// App is what every command needs: the config, the open store and the
// domain service over it. `serve` builds one and keeps it; admin commands
// build one only when no daemon is running.
type App struct {
	Cfg   *Config
	Store *store.Store
	Svc   *listserv.Service
	Log   *slog.Logger
	// Sched is the clock-driven mail's scheduler: the daemon's own while
	// it runs, else made on first use (schedulerFor).
	Sched *digest.Scheduler
}

// serviceOptions derives the domain core's options from the config.
func serviceOptions(cfg *Config, log *slog.Logger) listserv.Options {
	return listserv.Options{
		Domain:    cfg.Server.Domain,
		PublicURL: cfg.Server.PublicURL,
		IMAPURL:   listserv.IMAPURLFor(cfg.Server.PublicURL, cfg.Server.IMAPListen),
		// The web archive's pages replace the IMAP URLs in List-Archive
		// and Archived-At.
		WebArchive: cfg.Web.Archive,
		Defaults: listserv.ServerDefaults{
			MaxMessageBytes: cfg.Server.MaxMessageBytes,
			Timezone:        cfg.Server.Timezone,
		},
		Logger:      log,
		TemplateDir: filepath.Join(cfg.Server.DataDir, "templates"),
		IMAPServer:  strings.TrimPrefix(listserv.IMAPURLFor(cfg.Server.PublicURL, cfg.Server.IMAPListen), "imap://"),
		// postmaster@ and abuse@ reach the site admins; without any, the
		// mail is kept in a Maildir under the data directory.
		Postmasters:   cfg.Web.Admins,
		PostmasterDir: filepath.Join(cfg.Server.DataDir, "postmaster"),
	}
}

// openApp opens the store directly (no daemon running). It fails fast
// with store.ErrLocked if another process holds the database.
func openApp(cfg *Config, log *slog.Logger, opts listserv.Options) (*App, error) {
	st, err := store.OpenWith(cfg.Server.DataDir, store.OpenOptions{Timeout: 2 * time.Second, SkipCheck: cfg.Server.SkipStoreCheck})
	if err != nil {
		return nil, fmt.Errorf("open store in %s: %w", cfg.Server.DataDir, err)
	}
	return &App{Cfg: cfg, Store: st, Svc: listserv.New(st, opts), Log: log}, nil
}

// Close releases the store.
func (a *App) Close() error { return a.Store.Close() }
