package web

import (
	"errors"
	"net/http"
	"strings"

	"minyan/listserv"
	"minyan/listserv/i18n"
)

// isRefusal tells a permission answer from the domain (shown as 403 or
// the one 404) from an operation's own sentence for people.
func isRefusal(err error) bool {
	return errors.Is(err, listserv.ErrForbidden) || errors.Is(err, listserv.ErrNotFound)
}

func (h *handler) siteAdmin(w http.ResponseWriter, r *http.Request) {
	h.renderSiteAdmin(w, r, h.viewer(r), http.StatusOK, createListForm{Kind: string(listserv.KindDiscussion)}, "", "")
}

func (h *handler) renderSiteAdmin(w http.ResponseWriter, r *http.Request, v Viewer, status int, f createListForm, notice, problem string) {
	lists, err := h.d.siteAdmin.SiteOverview(r.Context(), v.Actor())
	if err != nil {
		h.consoleFail(w, r, v, err)
		return
	}
	h.page(w, r, status, "admin", map[string]any{"Title": h.t(r, "layout.site_admin"), "Viewer": v.Address, "Lists": lists,
		"Form": f, "Notice": notice, "Problem": problem,
		"Kinds": []listserv.Kind{listserv.KindDiscussion, listserv.KindCommunity, listserv.KindCaucus, listserv.KindAnnounce, listserv.KindCoalition}})
}

func (h *handler) siteAdminCreate(w http.ResponseWriter, r *http.Request) {
	v := h.viewer(r)
	form, err := postForm(r)
	var f createListForm
	if err == nil {
		f, err = createListValues(form)
	}
	if err != nil {
		if form != nil {
			f = createListForm{Name: form.Get("name"), Kind: form.Get("kind"), Title: form.Get("title"), Description: form.Get("description")}
		}
		h.renderSiteAdmin(w, r, v, http.StatusBadRequest, f, "", h.t(r, "console_go.no_list_made", h.formError(r, err)))
		return
	}
	l, err := h.d.siteAdmin.CreateList(r.Context(), v.Actor(), f.Name, f.Kind, f.Title, f.Description)
	if err != nil {
		if isRefusal(err) {
			h.consoleFail(w, r, v, err)
			return
		}
		h.renderSiteAdmin(w, r, v, http.StatusBadRequest, f, "", h.t(r, "console_go.no_list_made", h.errText(r, err)))
		return
	}
	h.renderSiteAdmin(w, r, v, http.StatusOK, createListForm{Kind: string(listserv.KindDiscussion)},
		h.t(r, "console_go.list_made", l.Name+"@"+h.d.site.Domain(), i18n.Builtin().T(h.lang(r), "kind."+string(l.Kind))), "")
}

func (h *handler) siteAdminRemovePage(w http.ResponseWriter, r *http.Request) {
	v, rights, ok := h.consoleStart(w, r)
	if !ok {
		return
	}
	if !rights.Admin {
		h.consoleFail(w, r, v, listserv.ErrForbidden)
		return
	}
	h.consolePage(w, r, v, rights, http.StatusOK, "admin-remove", "", map[string]any{"Title": h.t(r, "admin.remove_button", rights.List.Name)})
}

// siteAdminRemove removes a list once the name typed in the confirmation
// field matches; the domain decides whether the viewer may.
func (h *handler) siteAdminRemove(w http.ResponseWriter, r *http.Request) {
	v := h.viewer(r)
	name, ok := listName(r.PathValue("name"))
	if !ok {
		h.notFound(w, r)
		return
	}
	form, err := postForm(r)
	if err != nil || strings.TrimSpace(form.Get("confirm")) != name {
		rights, err := h.d.console.Console(r.Context(), v.Actor(), name)
		if err != nil {
			h.consoleFail(w, r, v, err)
			return
		}
		h.consolePage(w, r, v, rights, http.StatusBadRequest, "admin-remove", "", map[string]any{"Title": h.t(r, "admin.remove_button", name),
			"Problem": h.t(r, "console_go.not_removed", name)})
		return
	}
	if err := h.d.siteAdmin.DeleteList(r.Context(), v.Actor(), name); err != nil {
		h.consoleFail(w, r, v, err)
		return
	}
	h.renderSiteAdmin(w, r, v, http.StatusOK, createListForm{Kind: string(listserv.KindDiscussion)}, h.t(r, "console_go.removed", name), "")
}
