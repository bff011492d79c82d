package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// AlertCore is what the alert endpoints call: the same counts `minyan
// alert ls|show` prints.
type AlertCore interface {
	ListAlerts(ctx context.Context, a listserv.Actor, list string) ([]listserv.AlertSummary, error)
	AlertDetail(ctx context.Context, a listserv.Actor, list string, id uint64) (listserv.AlertSummary, []store.AlertRcpt, error)
}

// ListAlerts returns a list's alerts, as `alert ls` does.
func (c ServiceCore) ListAlerts(ctx context.Context, a listserv.Actor, list string) ([]listserv.AlertSummary, error) {
	return c.Svc.ListAlerts(ctx, a, list)
}

// AlertDetail returns one alert and its recipients, as `alert show` does.
func (c ServiceCore) AlertDetail(ctx context.Context, a listserv.Actor, list string, id uint64) (listserv.AlertSummary, []store.AlertRcpt, error) {
	return c.Svc.AlertDetail(ctx, a, list, id)
}

// alertJSON is one alert in GET /api/v1/lists/NAME/alerts[/ID].
type alertJSON struct {
	ID            uint64            `json:"id"`
	Subject       string            `json:"subject"`
	Author        string            `json:"author"`
	Seq           uint64            `json:"seq,omitempty"`
	Sent          time.Time         `json:"sent"`
	Recipients    int               `json:"recipients"`
	Done          int               `json:"done"`
	FollowupSent  *time.Time        `json:"followup_sent"`
	FollowupCount int               `json:"followup_count"`
	FollowupDue   *time.Time        `json:"followup_due"`
	Members       []alertMemberJSON `json:"members,omitempty"`
}

// alertMemberJSON is one member an alert went to.
type alertMemberJSON struct {
	Address string     `json:"address"`
	Done    bool       `json:"done"`
	When    *time.Time `json:"when"`
	Via     string     `json:"via,omitempty"`
	Note    string     `json:"note"`
}

func timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func alertOut(a listserv.AlertSummary) alertJSON {
	return alertJSON{ID: a.ID, Subject: a.Subject, Author: a.Author, Seq: a.Seq, Sent: a.Sent.UTC(),
		Recipients: a.Recipients, Done: a.Done, FollowupSent: timeOrNull(a.FollowupSent), FollowupCount: a.FollowupCount,
		FollowupDue: timeOrNull(a.FollowupDue)}
}

func (h *handler) alerts(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	alerts, err := h.core.ListAlerts(r.Context(), a, r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeEach(w, http.StatusOK, alerts, alertOut)
}

func (h *handler) alert(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		return fmt.Errorf("alert %q: %w", r.PathValue("id"), errNotFound)
	}
	sum, rcpts, err := h.core.AlertDetail(r.Context(), a, r.PathValue("name"), id)
	if err != nil {
		return err
	}
	out := alertOut(sum)
	out.Members = make([]alertMemberJSON, 0, len(rcpts))
	for _, m := range rcpts {
		out.Members = append(out.Members, alertMemberJSON{Address: m.Address, Done: !m.Done.IsZero(), When: timeOrNull(m.Done), Via: m.Via, Note: m.Note})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
