package web

import (
	"net/http"
	"slices"

	"minyan/store"
)

// historyLimit is how many changes and decisions the history page shows.
const historyLimit = 300

// historyPage is GET /lists/NAME/admin/history: every recorded change to
// the list from any front door (who, when, which door, what), newest
// first, and the moderation history with who decided each held item.
func (c *consoleMod) historyPage(w http.ResponseWriter, r *http.Request) {
	v, name, ok := c.consoleList(w, r)
	if !ok {
		return
	}
	a := v.Actor()
	changes, err := c.d.held.Audit(r.Context(), a, name, historyLimit)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	held, err := c.d.held.HeldHistory(r.Context(), a, name)
	if err != nil {
		c.fail(w, r, err)
		return
	}
	var decided []store.Held
	for _, h := range slices.Backward(held) {
		if h.Status != store.HeldPending {
			decided = append(decided, h)
			if len(decided) == historyLimit {
				break
			}
		}
	}
	c.consolePage(w, r, v, http.StatusOK, "console-history", name, "history", map[string]any{
		"Title": c.t(r, "console_go.history_title", name), "Changes": changes, "Decided": decided})
}
