package main

import (
	"context"
	"log/slog"
)

// startScheduler runs the clock-driven work: digests, session reminders.
func (s *Server) startScheduler(ctx context.Context, cfg *Config, log *slog.Logger) error {
	return nil // wired by the digest work (issue 4)
}
