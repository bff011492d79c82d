package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// NetworkConfig is the [network] table: relationships across the lists.
type NetworkConfig struct {
	// IntrosEvery is how often the clock makes a round of introductions
	// (`minyan intros run` makes one at any time); 0 turns the clock's
	// rounds off.
	IntrosEvery Duration `toml:"intros_every"`
}

func (n NetworkConfig) validate() error {
	if n.IntrosEvery.Duration < 0 {
		return fmt.Errorf("network.intros_every: %v must not be negative (0 turns the rounds off)", n.IntrosEvery.Duration)
	}
	if d := n.IntrosEvery.Duration; d > 0 && d < time.Hour {
		return fmt.Errorf("network.intros_every: %v is too often (at least 1h, such as \"720h\"; 0 turns the rounds off)", d)
	}
	return nil
}

// introsCheckEvery is how often the daemon asks whether a round of
// introductions is due. The time of the last round is in the store, so
// restarts neither skip nor repeat a round.
const introsCheckEvery = time.Hour

// startNetwork builds the people directory's index in the background,
// and makes a round of introductions whenever [network] intros_every has
// passed since the last one, until ctx ends.
func (s *Server) startNetwork(ctx context.Context, every time.Duration, log *slog.Logger) {
	s.goRun("people index", log, func() error {
		if err := s.App.Svc.WarmPeopleIndex(); err != nil {
			log.Error("people directory index", "err", err) // the first search builds it then
		}
		return nil
	})
	if every <= 0 {
		return
	}
	s.goRun("intros", log, func() error {
		t := time.NewTicker(introsCheckEvery)
		defer t.Stop()
		for {
			if ran, pairs, err := s.App.Svc.RunIntrosIfDue(ctx, every); err != nil {
				log.Error("introductions", "err", err)
			} else if ran {
				log.Info("introductions mailed", "pairs", len(pairs))
			}
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	})
}
