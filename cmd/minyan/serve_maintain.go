package main

import (
	"context"
	"log/slog"
	"time"

	"minyan/listserv"
)

// startMaintenance runs the service's periodic work (held reminders and
// expiry, bounce probes) until ctx ends.
func (s *Server) startMaintenance(ctx context.Context, log *slog.Logger) {
	s.goRun("maintain", log, func() error {
		t := time.NewTicker(listserv.MaintainEvery)
		defer t.Stop()
		for {
			if err := s.App.Svc.Maintain(ctx); err != nil {
				log.Error("maintenance", "err", err)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	})
}
