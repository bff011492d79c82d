package listserv

import (
	"context"
	"time"
)

// MaintainEvery is how often the daemon runs Maintain.
const MaintainEvery = 30 * time.Second

// Maintain does the service's periodic work at the clock's current time:
// held-item reminders and expiry, alert follow-ups, bounce probes. The daemon calls it every
// MaintainEvery; tests call it after moving the clock.
func (s *Service) Maintain(ctx context.Context) error {
	now := s.clock.Now()
	if err := s.maintainHeld(ctx, now); err != nil {
		return err
	}
	if err := s.maintainAlerts(ctx, now); err != nil {
		return err
	}
	return s.maintainBounces(ctx, now)
}

// maintainBounces sends probes to disabled members and expires old bounce
// scores (bounces.go).
func (s *Service) maintainBounces(ctx context.Context, now time.Time) error {
	return s.bounceMaintenance(ctx, now)
}
