package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"minyan/listserv"
	"minyan/store"
)

// OrgCore is what the partner organization pages of a coalition list
// need: the owners' page (/lists/NAME/orgs) and one organization's page
// for its contacts and the owners (/lists/NAME/orgs/ORG). The domain
// decides who may see and change what.
type OrgCore interface {
	ListOrgs(ctx context.Context, a listserv.Actor, list string) ([]listserv.OrgView, error)
	GetOrg(ctx context.Context, a listserv.Actor, list, slug string) (listserv.OrgView, error)
	AddOrg(ctx context.Context, a listserv.Actor, list string, sp listserv.OrgSpec) (store.Org, error)
	RemoveOrg(ctx context.Context, a listserv.Actor, list, slug string) ([]string, error)
	AddDelegate(ctx context.Context, a listserv.Actor, list, slug, addr string) (string, error)
	RemoveDelegate(ctx context.Context, a listserv.Actor, list, slug, addr string) (string, error)
	MyOrgs(ctx context.Context, a listserv.Actor) ([]store.Org, error)
}

func (h *handler) orgRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /lists/{name}/orgs", h.orgsPage)
	mux.HandleFunc("POST /lists/{name}/orgs", h.orgsPost)
	mux.HandleFunc("GET /lists/{name}/orgs/{org}", h.orgPage)
	mux.HandleFunc("POST /lists/{name}/orgs/{org}", h.orgPost)
}

// orgSlug reads an organization's short name from a path: what the
// domain allows, bounded; the domain decides whether it exists.
func orgSlug(s string) (string, bool) {
	if s == "" || len(s) > 32 {
		return "", false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return "", false
		}
	}
	return s, true
}

// orgForm is POST /lists/NAME/orgs: org, contact, seats (empty: keep),
// type and note.
type orgForm struct {
	Spec listserv.OrgSpec
}

func orgValues(v url.Values) (orgForm, error) {
	var f orgForm
	slug, ok := orgSlug(strings.TrimSpace(v.Get("org")))
	if !ok {
		return f, errors.New("give the organization a short name: up to 32 letters, digits, dots or dashes, such as ACME")
	}
	f.Spec = listserv.OrgSpec{Slug: slug, Seats: -1, Name: strings.TrimSpace(v.Get("name")), Note: strings.TrimSpace(v.Get("note"))}
	if len(f.Spec.Name) > 200 || len(f.Spec.Note) > 4000 {
		return f, errors.New("the name or note is too long")
	}
	if c := strings.TrimSpace(v.Get("contact")); c != "" {
		addr, err := cleanEmail(c)
		if err != nil {
			return f, err
		}
		f.Spec.Contacts = []string{addr}
	}
	if s := strings.TrimSpace(v.Get("seats")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 10000 {
			return f, errors.New("seats must be a whole number, 0 for no cap")
		}
		f.Spec.Seats = n
	}
	p, err := listserv.ParsePartnerType(v.Get("type"))
	if err != nil {
		return f, err
	}
	f.Spec.Partner = p
	return f, nil
}

func (h *handler) orgFail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, listserv.ErrNoOrg) {
		h.notFound(w, r)
		return
	}
	if errors.Is(err, listserv.ErrNotCoalition) {
		h.message(w, r, http.StatusNotFound, h.t(r, "coalition_go.none_here"), h.errText(r, err))
		return
	}
	h.fail(w, r, err)
}

// orgsPage is GET /lists/NAME/orgs: every organization with its
// contacts, seats, partner type and note, and the form to add one.
func (h *handler) orgsPage(w http.ResponseWriter, r *http.Request) {
	v, name, ok := h.signedInOnList(w, r)
	if !ok {
		return
	}
	h.renderOrgs(w, r, v, name, http.StatusOK, "", "")
}

func (h *handler) renderOrgs(w http.ResponseWriter, r *http.Request, v Viewer, name string, status int, notice, problem string) {
	views, err := h.o.Core.ListOrgs(r.Context(), v.Actor(), name)
	if err != nil {
		h.orgFail(w, r, err)
		return
	}
	h.page(w, r, status, "orgs", map[string]any{"Title": h.t(r, "coalition_go.title", name), "List": name, "Orgs": views,
		"Types": listserv.PartnerTypes(), "Notice": notice, "Problem": problem})
}

// orgsPost is POST /lists/NAME/orgs: action add (the form) or remove
// (field org).
func (h *handler) orgsPost(w http.ResponseWriter, r *http.Request) {
	v, name, ok := h.signedInOnList(w, r)
	if !ok {
		return
	}
	vals, err := postForm(r)
	if err != nil {
		h.renderOrgs(w, r, v, name, http.StatusBadRequest, "", h.errText(r, err))
		return
	}
	if vals.Get("action") == "remove" {
		slug, ok := orgSlug(vals.Get("org"))
		if !ok {
			h.renderOrgs(w, r, v, name, http.StatusBadRequest, "", h.t(r, "coalition_go.not_on_list"))
			return
		}
		removed, err := h.o.Core.RemoveOrg(r.Context(), v.Actor(), name, slug)
		if err != nil && !errors.Is(err, listserv.ErrForbidden) && !errors.Is(err, listserv.ErrNotFound) {
			h.renderOrgs(w, r, v, name, http.StatusBadRequest, "", h.errText(r, err))
			return
		}
		if err != nil {
			h.orgFail(w, r, err)
			return
		}
		h.renderOrgs(w, r, v, name, http.StatusOK, slug+" was removed with "+strconv.Itoa(len(removed))+" delegate(s); its contacts were told.", "")
		return
	}
	f, err := orgValues(vals)
	if err != nil {
		h.renderOrgs(w, r, v, name, http.StatusBadRequest, "", h.errText(r, err))
		return
	}
	o, err := h.o.Core.AddOrg(r.Context(), v.Actor(), name, f.Spec)
	if errors.Is(err, listserv.ErrForbidden) || errors.Is(err, listserv.ErrNotFound) || errors.Is(err, listserv.ErrNotCoalition) {
		h.orgFail(w, r, err)
		return
	}
	if err != nil {
		h.renderOrgs(w, r, v, name, http.StatusBadRequest, "", h.errText(r, err))
		return
	}
	h.renderOrgs(w, r, v, name, http.StatusOK, o.Slug+" is saved.", "")
}

// orgPage is GET /lists/NAME/orgs/ORG: its delegates (pending ones
// marked) with a remove button each, and the form to name one.
func (h *handler) orgPage(w http.ResponseWriter, r *http.Request) {
	v, name, slug, ok := h.orgStart(w, r)
	if !ok {
		return
	}
	h.renderOrg(w, r, v, name, slug, http.StatusOK, "", "")
}

// orgStart reads the signed-in viewer, the list and the organization of
// a page under /lists/NAME/orgs/ORG; when one is missing it has
// answered already and ok is false.
func (h *handler) orgStart(w http.ResponseWriter, r *http.Request) (v Viewer, name, slug string, ok bool) {
	if v, name, ok = h.signedInOnList(w, r); !ok {
		return v, name, "", false
	}
	if slug, ok = orgSlug(r.PathValue("org")); !ok {
		h.notFound(w, r)
	}
	return v, name, slug, ok
}

func (h *handler) renderOrg(w http.ResponseWriter, r *http.Request, v Viewer, name, slug string, status int, notice, problem string) {
	o, err := h.o.Core.GetOrg(r.Context(), v.Actor(), name, slug)
	if err != nil {
		h.orgFail(w, r, err)
		return
	}
	free := -1
	if o.Seats > 0 {
		free = max(0, o.Seats-len(o.Delegates))
	}
	h.page(w, r, status, "org", map[string]any{"Title": h.t(r, "coalition_go.org_title", o.Slug, name), "List": name, "Org": o, "Free": free,
		"Pending": listserv.StatusPending, "Notice": notice, "Problem": problem})
}

// orgPost is POST /lists/NAME/orgs/ORG: action add or remove with field
// email.
func (h *handler) orgPost(w http.ResponseWriter, r *http.Request) {
	v, name, slug, ok := h.orgStart(w, r)
	if !ok {
		return
	}
	vals, err := postForm(r)
	if err != nil {
		h.renderOrg(w, r, v, name, slug, http.StatusBadRequest, "", h.errText(r, err))
		return
	}
	addr, err := cleanEmail(vals.Get("email"))
	if err != nil {
		h.renderOrg(w, r, v, name, slug, http.StatusBadRequest, "", h.errText(r, err))
		return
	}
	var answer string
	if vals.Get("action") == "remove" {
		answer, err = h.o.Core.RemoveDelegate(r.Context(), v.Actor(), name, slug, addr)
	} else {
		answer, err = h.o.Core.AddDelegate(r.Context(), v.Actor(), name, slug, addr)
	}
	if errors.Is(err, listserv.ErrForbidden) || errors.Is(err, listserv.ErrNotFound) || errors.Is(err, listserv.ErrNotCoalition) || errors.Is(err, listserv.ErrNoOrg) {
		h.orgFail(w, r, err)
		return
	}
	if err != nil {
		h.renderOrg(w, r, v, name, slug, http.StatusBadRequest, "", h.errText(r, err))
		return
	}
	h.renderOrg(w, r, v, name, slug, http.StatusOK, answer, "")
}
