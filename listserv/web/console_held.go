package web

import (
	"errors"
	"html/template"
	"net/http"
	"strings"

	"minyan/listserv"
	"minyan/listserv/i18n"
	"minyan/store"
)

// heldPage is GET /lists/NAME/admin/held: the queue, oldest first, each
// item with its sender, subject, reason, age, a safe preview and the
// decisions; tick several to decide them at once.
func (c *consoleMod) heldPage(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	c.renderHeld(w, r, v, name, http.StatusOK, nil, "")
}

// heldItem is one queue entry as the page shows it.
type heldItem struct {
	listserv.HeldPreview
	Age string
	// Why is the reason it was held in the reader's language.
	Why string
	// SafeHTML is the preview of an HTML-only post, sanitised by the
	// domain as the web archive's posts are.
	SafeHTML template.HTML
}

func (c *consoleMod) renderHeld(w http.ResponseWriter, r *http.Request, v Viewer, name string, status int, notices []string, problem string) {
	q, err := c.d.held.HeldQueue(r.Context(), v.Actor(), name)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	// A ban changes the roster: only those who may change it are offered
	// the button (a facilitator decides, but does not ban).
	rights, err := c.d.console.Console(r.Context(), v.Actor(), name)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	now := c.o.Now()
	items := make([]heldItem, len(q))
	l := c.lang(r)
	for i, h := range q {
		items[i] = heldItem{HeldPreview: h, Age: ago(l, now, h.Received), Why: listserv.HeldReason(h.Held).In(l), SafeHTML: template.HTML(h.HTML)}
	}
	c.consolePage(w, r, v, status, "console-held", name, "held", map[string]any{
		"Title": c.t(r, "console_go.held_title", name), "Items": items, "Notices": notices, "Problem": problem, "MayBan": rights.Roster})
}

// decideOne is POST /lists/NAME/admin/held/ID: field action, optional
// reason; the same decision as a reply by mail.
func (c *consoleMod) decideOne(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	id, ok := heldID(r.PathValue("id"))
	if !ok {
		c.notFound(w, r)
		return
	}
	vals, err := postForm(r)
	if err != nil {
		c.renderHeld(w, r, v, name, http.StatusBadRequest, nil, c.errText(r, err))
		return
	}
	f, err := decisionValues(vals, false)
	if err != nil {
		c.renderHeld(w, r, v, name, http.StatusBadRequest, nil, c.errText(r, err))
		return
	}
	f.IDs = []uint64{id}
	c.decide(w, r, v, name, f)
}

// decideMany is POST /lists/NAME/admin/held: the ticked `id` fields, one
// action and an optional reason for all of them.
func (c *consoleMod) decideMany(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	vals, err := postForm(r)
	if err != nil {
		c.renderHeld(w, r, v, name, http.StatusBadRequest, nil, c.errText(r, err))
		return
	}
	f, err := decisionValues(vals, true)
	if err != nil {
		c.renderHeld(w, r, v, name, http.StatusBadRequest, nil, c.errText(r, err))
		return
	}
	c.decide(w, r, v, name, f)
}

// decide applies f to each item; the first decision wins, so an item
// someone else decided first says who.
func (c *consoleMod) decide(w http.ResponseWriter, r *http.Request, v Viewer, name string, f decisionForm) {
	var notices, problems []string
	for _, id := range f.IDs {
		h, err := c.d.held.Decide(r.Context(), v.Actor(), name, id, f.Action, f.Reason)
		switch {
		case err == nil:
			notices = append(notices, c.t(r, "console_go.held_decided", h.Subject, h.From, c.t(r, "console_history.status_"+string(h.Status))))
		case errors.Is(err, listserv.ErrAlreadyDecided):
			problems = append(problems, c.t(r, "console_go.held_already", h.Subject, h.From, c.decisionText(r, h)))
		case errors.Is(err, listserv.ErrNoHeld):
			problems = append(problems, c.t(r, "console_go.held_no_item", id))
		case errors.Is(err, listserv.ErrNotFound), errors.Is(err, listserv.ErrForbidden):
			c.fail(w, r, err)
			return
		default:
			if h.ID == 0 {
				c.fail(w, r, err)
				return
			}
			problems = append(problems, c.errText(r, err))
		}
	}
	status := http.StatusOK
	if len(notices) == 0 && len(problems) > 0 {
		status = http.StatusConflict
	}
	c.renderHeld(w, r, v, name, status, notices, strings.Join(problems, " "))
}

// decisionText says who decided a held item and when, in the page's
// language ("approved by ann@… on …").
func (c *consoleMod) decisionText(r *http.Request, h store.Held) string {
	by := h.DecidedBy
	switch {
	case h.Status == store.HeldWithdrawn:
		by = c.t(r, "reply_go.the_author")
	case by == "":
		by = c.t(r, "reply_go.nobody_in_time")
	}
	l := c.lang(r)
	return c.t(r, "console_go.decision", c.t(r, "console_history.status_"+string(h.Status)), by, i18n.Builtin().DateTime(l, h.DecidedAt))
}
