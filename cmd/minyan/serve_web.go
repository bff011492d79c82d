package main

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"minyan/digest"
	"minyan/listserv"
	"minyan/listserv/web"
	"minyan/store"
)

// WebConfig is the [web] table.
type WebConfig struct {
	// Admins are site admins: every list, and list creation.
	Admins []string `toml:"admins"`
	// Archive turns on the web archive, search and resource hub.
	Archive bool `toml:"archive"`
	// TrustedProxies are the reverse proxies in front (Caddy): requests
	// from them count as coming from the client they name.
	TrustedProxies []string `toml:"trusted_proxies"`
}

// webCore is the domain as the web sees it: the list service and the
// scheduler's sessions, pairs and calendar feed.
type webCore struct {
	*listserv.Service
	sched *digest.Scheduler
}

func (c webCore) ListSessions(ctx context.Context, a listserv.Actor, name string, viewer *time.Location) ([]digest.Upcoming, error) {
	return c.sched.ListSessions(ctx, a, name, viewer)
}
func (c webCore) MySessions(ctx context.Context, a listserv.Actor) ([]digest.Upcoming, error) {
	return c.sched.MySessions(ctx, a)
}
func (c webCore) RSVP(ctx context.Context, a listserv.Actor, list string, id uint64, answer string, answers []string) (digest.Outcome, error) {
	return c.sched.RSVP(ctx, a, list, id, "", answer, answers)
}
func (c webCore) MyPartners(ctx context.Context, a listserv.Actor) ([]digest.Partners, error) {
	return c.sched.MyPartners(ctx, a)
}
func (c webCore) CalendarFeed(addr string) ([]byte, error) { return c.sched.CalendarFeed(addr) }

// webHandler builds the web face over the service. Its scheduler only
// reads and records answers; the daemon's running scheduler (made later,
// in startScheduler) takes over the RSVP reply handler.
func webHandler(cfg *Config, svc *listserv.Service, st *store.Store, reg prometheus.Gatherer, clock listserv.Clock, log *slog.Logger) http.Handler {
	sched := digest.New(svc, st, digest.Options{Logger: log})
	proxies, _ := web.ParseProxies(cfg.Web.TrustedProxies) // checked by LoadConfig
	return web.Handler(web.Options{
		Core: webCore{Service: svc, sched: sched}, Gatherer: reg, Logger: log,
		PublicURL: cfg.Server.PublicURL, Admins: cfg.Web.Admins, Archive: cfg.Web.Archive,
		TemplateDir: filepath.Join(cfg.Server.DataDir, "templates"), Now: clock.Now, People: svc, Counter: svc, Certificates: sched,
		TrustedProxies: proxies,
	})
}
