package main

import (
	"context"
	"log/slog"
	"net/http"

	"minyan/digest"
	"minyan/listserv"
	"minyan/listserv/api"
)

// withAPI mounts the JSON API under /api/v1/ beside the web pages.
func (s *Server) withAPI(web http.Handler, clock listserv.Clock, log *slog.Logger) http.Handler {
	core := api.ServiceCore{Svc: s.App.Svc, Sched: func() *digest.Scheduler { return schedulerFor(s.App) }}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", api.Handler(api.Options{Core: core, Clock: clock, Logger: log.With("part", "api")}))
	mux.Handle("/", web)
	return mux
}

// startWebhooks runs the worker that posts queued events to webhooks.
func (s *Server) startWebhooks(ctx context.Context, clock listserv.Clock, log *slog.Logger) {
	log = log.With("part", "webhooks")
	w := listserv.NewWebhookWorker(s.App.Svc, listserv.WebhookOptions{Clock: clock, Logger: log})
	s.goRun("webhooks", log, func() error { return w.Run(ctx) })
}
