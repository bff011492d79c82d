package listserv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"minyan/store"
)

// AlertSummary is one alert as the owners' views show it.
type AlertSummary struct {
	store.Alert
	// FollowupDue is when the follow-up goes (zero: never, or sent).
	FollowupDue time.Time
}

// Percent is the share of recipients who acted, rounded down.
func (a AlertSummary) Percent() int {
	if a.Recipients == 0 {
		return 0
	}
	return a.Done * 100 / a.Recipients
}

func alertSummary(l store.List, a store.Alert) AlertSummary {
	v := AlertSummary{Alert: a}
	if after := l.Settings.AlertFollowupAfter; after > 0 && a.FollowupSent.IsZero() {
		v.FollowupDue = a.Sent.Add(after)
	}
	return v
}

// noAlertError is a missing alert: a 404 at every door, in words.
type noAlertError struct {
	list string
	id   uint64
}

func (e noAlertError) Error() string        { return fmt.Sprintf("%s has no alert %d", e.list, e.id) }
func (e noAlertError) Is(target error) bool { return target == ErrNotFound }

// ListAlerts returns a list's alerts, newest first, for its moderators
// and owners.
func (s *Service) ListAlerts(ctx context.Context, a Actor, list string) ([]AlertSummary, error) {
	var out []AlertSummary
	err := s.st.View(func(tx *store.Tx) error {
		l, err := s.authorize(tx, a, list, permAlerts)
		if err != nil {
			return err
		}
		alerts, err := tx.Alerts(list)
		for _, al := range alerts {
			out = append(out, alertSummary(l, al))
		}
		return err
	})
	return out, err
}

// AlertDetail returns one alert of a list and every member it went to,
// in fan-out order (roster order), for its moderators and owners.
func (s *Service) AlertDetail(ctx context.Context, a Actor, list string, id uint64) (AlertSummary, []store.AlertRcpt, error) {
	var (
		sum   AlertSummary
		rcpts []store.AlertRcpt
	)
	err := s.st.View(func(tx *store.Tx) error {
		l, err := s.authorize(tx, a, list, permAlerts)
		if err != nil {
			return err
		}
		al, err := tx.Alert(id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && al.List != list) {
			return noAlertError{list, id}
		}
		if err != nil {
			return err
		}
		sum = alertSummary(l, al)
		return tx.EachAlertRcpt(id, func(r store.AlertRcpt) error {
			r.Hashes = nil // never leaves the domain
			rcpts = append(rcpts, r)
			return nil
		})
	})
	return sum, rcpts, err
}
