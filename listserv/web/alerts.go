package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"minyan/listserv"
	"minyan/store"
)

// AlertCore is what the action alert pages need from the domain: the
// "I did it" page of a personal link, and the owners' counts.
type AlertCore interface {
	AlertByToken(token string) (listserv.AlertAction, error)
	ActOnAlert(ctx context.Context, token string) (listserv.AlertAction, error)
	ListAlerts(ctx context.Context, a listserv.Actor, list string) ([]listserv.AlertSummary, error)
	AlertDetail(ctx context.Context, a listserv.Actor, list string, id uint64) (listserv.AlertSummary, []store.AlertRcpt, error)
}

func (h *handler) alertRoutes(mux *http.ServeMux) {
	c := &consoleMod{handler: h}
	mux.HandleFunc("GET /a/{token}", h.alertPage)
	mux.HandleFunc("POST /a/{token}", h.alertAct)
	mux.HandleFunc("GET /lists/{name}/admin/alerts", c.alertsPage)
	mux.HandleFunc("GET /lists/{name}/admin/alerts/{id}", c.alertDetailPage)
}

// alertToken reads the token of an alert link's path: letters and
// digits only, bounded; the domain decides whether it is valid.
func alertToken(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 64 {
		return "", false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return "", false
		}
	}
	return s, true
}

func (h *handler) badAlertLink(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, http.StatusNotFound, "invalid", map[string]any{"Title": h.t(r, "page.bad_link_title"), "Message": sentence(listserv.ErrBadAlertLink.Error())})
}

// paragraphs splits a text into paragraphs of lines, for pages that show
// people's words without <pre> (which does not wrap on a phone).
func paragraphs(text string) [][]string {
	var out [][]string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.Trim(p, "\n"); strings.TrimSpace(p) != "" {
			out = append(out, strings.Split(p, "\n"))
		}
	}
	return out
}

// alertFailed answers an alert link the domain refused (the page for a
// bad link) or could not read; true when it answered.
func (h *handler) alertFailed(w http.ResponseWriter, r *http.Request, err error) bool {
	switch {
	case errors.Is(err, listserv.ErrBadAlertLink):
		h.badAlertLink(w, r)
	case err != nil:
		h.fail(w, r, err)
	}
	return err != nil
}

// alertPage is GET /a/TOKEN: the alert and one button. It records
// nothing, so link scanners in mail filters cannot act for anyone.
func (h *handler) alertPage(w http.ResponseWriter, r *http.Request) {
	tok, ok := alertToken(r.PathValue("token"))
	if !ok {
		h.badAlertLink(w, r)
		return
	}
	v, err := h.o.Core.AlertByToken(tok)
	if h.alertFailed(w, r, err) {
		return
	}
	h.page(w, r, http.StatusOK, "alert", map[string]any{"Title": h.t(r, "alert.title"), "Alert": v, "Paras": paragraphs(v.Text)})
}

// alertAct is POST /a/TOKEN, the button: the link's holder is recorded
// as done (the cross-site check applies, as to every form).
func (h *handler) alertAct(w http.ResponseWriter, r *http.Request) {
	tok, ok := alertToken(r.PathValue("token"))
	if !ok {
		h.badAlertLink(w, r)
		return
	}
	v, err := h.o.Core.ActOnAlert(r.Context(), tok)
	if h.alertFailed(w, r, err) {
		return
	}
	msg := h.t(r, "alert.noted", v.Title, v.Subject)
	if !v.First {
		msg = h.t(r, "alert.already", v.Title, v.Subject)
	}
	h.page(w, r, http.StatusOK, "confirmed", map[string]any{"Title": h.t(r, "alert.thank_you"), "Message": msg})
}

// alertsPage is GET /lists/NAME/admin/alerts: every alert of the list
// with how many it reached, how many acted, and its follow-up.
func (c *consoleMod) alertsPage(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	alerts, err := c.o.Core.ListAlerts(r.Context(), v.Actor(), name)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.consolePage(w, r, v, http.StatusOK, "console-alerts", name, "alerts", map[string]any{
		"Title": c.t(r, "console_go.alerts_title", name), "Alerts": alerts})
}

// alertDetailPage is GET /lists/NAME/admin/alerts/ID: one alert and, per
// member it went to, whether and when they acted and their note.
func (c *consoleMod) alertDetailPage(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		c.notFound(w, r)
		return
	}
	sum, rcpts, err := c.o.Core.AlertDetail(r.Context(), v.Actor(), name, id)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	c.consolePage(w, r, v, http.StatusOK, "console-alert", name, "alerts", map[string]any{
		"Title": c.t(r, "console_go.alert_title", sum.Subject), "Alert": sum, "Rcpts": rcpts})
}
