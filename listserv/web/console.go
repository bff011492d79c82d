package web

import (
	"errors"
	"net/http"

	"minyan/listserv"
)

// consoleRoutes registers the console's pages.
func (h *handler) consoleRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /lists/{name}/admin", h.consoleHome)
	mux.HandleFunc("GET /lists/{name}/admin/settings", h.consoleSettings)
	mux.HandleFunc("POST /lists/{name}/admin/settings", h.consoleSettingsPost)
	mux.HandleFunc("GET /lists/{name}/admin/templates", h.consoleTemplates)
	mux.HandleFunc("GET /lists/{name}/admin/templates/{tpl}", h.consoleTemplate)
	mux.HandleFunc("POST /lists/{name}/admin/templates/{tpl}", h.consoleTemplatePost)
	mux.HandleFunc("GET /lists/{name}/admin/sessions", h.consoleSessions)
	mux.HandleFunc("POST /lists/{name}/admin/sessions", h.consoleSessionsPost)
	mux.HandleFunc("GET /lists/{name}/admin/sessions/{id}", h.consoleSession)
	mux.HandleFunc("POST /lists/{name}/admin/sessions/{id}", h.consoleSessionPost)
	mux.HandleFunc("GET /lists/{name}/admin/sessions/{id}/registrations.csv", h.consoleSessionCSV)
	mux.HandleFunc("POST /lists/{name}/admin/cohort/next", h.consoleCohortNext)
	mux.HandleFunc("GET /lists/{name}/admin/pairs", h.consolePairs)
	mux.HandleFunc("POST /lists/{name}/admin/pairs", h.consolePairsPost)
	mux.HandleFunc("GET /admin", h.siteAdmin)
	mux.HandleFunc("POST /admin/lists", h.siteAdminCreate)
	mux.HandleFunc("GET /admin/lists/{name}/remove", h.siteAdminRemovePage)
	mux.HandleFunc("POST /admin/lists/{name}/remove", h.siteAdminRemove)
}

// consoleFail answers a refusal on a console page: the domain's
// ErrNotFound as the one "Page not found" (a caucus's outsiders cannot
// tell it from a missing list), ErrForbidden as 403 with a hint to sign
// in when nobody is.
func (h *handler) consoleFail(w http.ResponseWriter, r *http.Request, v Viewer, err error) {
	if errors.Is(err, listserv.ErrForbidden) {
		msg := h.t(r, "console_go.forbidden")
		if v.Address == "" {
			msg = h.t(r, "console_go.forbidden_sign_in")
		}
		h.page(w, r, http.StatusForbidden, "message", map[string]any{"Title": h.t(r, "page.not_possible"), "Message": msg, "Back": "/me", "Viewer": v.Address})
		return
	}
	h.fail(w, r, err)
}

// consoleStart reads the list name and asks the domain what the viewer
// may do on its console; on refusal it has answered already.
func (h *handler) consoleStart(w http.ResponseWriter, r *http.Request) (Viewer, listserv.ConsoleRights, bool) {
	v := h.viewer(r)
	name, ok := listName(r.PathValue("name"))
	if !ok {
		h.notFound(w, r)
		return v, listserv.ConsoleRights{}, false
	}
	rights, err := h.d.console.Console(r.Context(), v.Actor(), name)
	if err != nil {
		h.consoleFail(w, r, v, err)
		return v, rights, false
	}
	return v, rights, true
}

// consolePage renders a console page with the list's navigation.
func (h *handler) consolePage(w http.ResponseWriter, r *http.Request, v Viewer, rights listserv.ConsoleRights, status int, name, here string, data map[string]any) {
	data["Viewer"] = v.Address
	data["Rights"] = rights
	data["L"] = rights.List
	data["Here"] = here
	h.page(w, r, status, name, data)
}

func (h *handler) consoleHome(w http.ResponseWriter, r *http.Request) {
	v, rights, ok := h.consoleStart(w, r)
	if !ok {
		return
	}
	h.consolePage(w, r, v, rights, http.StatusOK, "console", "", map[string]any{"Title": h.t(r, "console_go.running", rights.List.Settings.Title)})
}
