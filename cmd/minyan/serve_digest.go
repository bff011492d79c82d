package main

import (
	"context"
	"log/slog"
	_ "time/tzdata" // sessions and digests use IANA zones even where the system has no zoneinfo

	"minyan/digest"
)

// startScheduler runs the clock-driven work (weekly digests, session
// reminders and digests, chevruta check-ins) until ctx ends. Its first
// pass, the catch-up after downtime, runs before serve goes on to open
// the admin socket, so a command that reaches the daemon sees its result.
func (s *Server) startScheduler(ctx context.Context, cfg *Config, log *slog.Logger) error {
	log = log.With("part", "digest")
	sched := digest.New(s.App.Svc, s.App.Store, digest.Options{Logger: log})
	if _, err := sched.RunDue(ctx, s.App.Svc.Now()); err != nil {
		log.Error("scheduler catch-up", "err", err)
	}
	// Admin commands that arrive over the socket (session add, move,
	// digest send) use this scheduler, so they wake it and share its
	// RSVP handler.
	s.App.Sched = sched
	s.goRun("digest", log, func() error { return sched.Run(ctx) })
	return nil
}

// schedulerFor is the daemon's scheduler when the command runs inside
// it, else one over the command's own store (the mail it queues goes out
// when the daemon starts).
func schedulerFor(app *App) *digest.Scheduler {
	if app.Sched == nil {
		app.Sched = digest.New(app.Svc, app.Store, digest.Options{Logger: app.Log.With("part", "digest")})
	}
	return app.Sched
}
