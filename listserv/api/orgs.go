package api

import (
	"context"
	"fmt"
	"net/http"

	"minyan/listserv"
	"minyan/store"
)

// OrgCore is what the organization endpoints of coalition lists call:
// the same operations as `minyan org` and the console.
type OrgCore interface {
	ListOrgs(ctx context.Context, a listserv.Actor, list string) ([]listserv.OrgView, error)
	GetOrg(ctx context.Context, a listserv.Actor, list, slug string) (listserv.OrgView, error)
	AddOrg(ctx context.Context, a listserv.Actor, list string, sp listserv.OrgSpec) (store.Org, error)
	RemoveOrg(ctx context.Context, a listserv.Actor, list, slug string) ([]string, error)
	AddDelegate(ctx context.Context, a listserv.Actor, list, slug, addr string) (string, error)
	RemoveDelegate(ctx context.Context, a listserv.Actor, list, slug, addr string) (string, error)
}

// ListOrgs is listserv's ListOrgs.
func (c ServiceCore) ListOrgs(ctx context.Context, a listserv.Actor, list string) ([]listserv.OrgView, error) {
	return c.Svc.ListOrgs(ctx, a, list)
}

// GetOrg is listserv's GetOrg.
func (c ServiceCore) GetOrg(ctx context.Context, a listserv.Actor, list, slug string) (listserv.OrgView, error) {
	return c.Svc.GetOrg(ctx, a, list, slug)
}

// AddOrg is listserv's AddOrg.
func (c ServiceCore) AddOrg(ctx context.Context, a listserv.Actor, list string, sp listserv.OrgSpec) (store.Org, error) {
	return c.Svc.AddOrg(ctx, a, list, sp)
}

// RemoveOrg is listserv's RemoveOrg.
func (c ServiceCore) RemoveOrg(ctx context.Context, a listserv.Actor, list, slug string) ([]string, error) {
	return c.Svc.RemoveOrg(ctx, a, list, slug)
}

// AddDelegate is listserv's AddDelegate.
func (c ServiceCore) AddDelegate(ctx context.Context, a listserv.Actor, list, slug, addr string) (string, error) {
	return c.Svc.AddDelegate(ctx, a, list, slug, addr)
}

// RemoveDelegate is listserv's RemoveDelegate.
func (c ServiceCore) RemoveDelegate(ctx context.Context, a listserv.Actor, list, slug, addr string) (string, error) {
	return c.Svc.RemoveDelegate(ctx, a, list, slug, addr)
}

// OrgIn is the body of POST /api/v1/lists/NAME/orgs. Seats absent keeps
// an existing organization's cap (a new one has none); 0 removes it.
type OrgIn struct {
	Org         string   `json:"org"`
	Name        string   `json:"name,omitempty"`
	Contacts    []string `json:"contacts"`
	Seats       *int     `json:"seats,omitempty"`
	PartnerType string   `json:"partner_type,omitempty"`
	Note        string   `json:"note,omitempty"`
}

// DelegateIn is the body of POST /api/v1/lists/NAME/orgs/ORG/delegates.
type DelegateIn struct {
	Address string `json:"address"`
}

type delegateJSON struct {
	Address string `json:"address"`
	Status  string `json:"status"`
}

type orgJSON struct {
	Org         string         `json:"org"`
	Name        string         `json:"name"`
	Contacts    []string       `json:"contacts"`
	Seats       int            `json:"seats"`
	PartnerType string         `json:"partner_type"`
	Note        string         `json:"note"`
	Delegates   []delegateJSON `json:"delegates"`
}

func orgOut(v listserv.OrgView) orgJSON {
	o := orgJSON{Org: v.Slug, Name: v.Name, Contacts: v.Contacts, Seats: v.Seats, PartnerType: string(v.Partner), Note: v.Note, Delegates: []delegateJSON{}}
	if o.Contacts == nil {
		o.Contacts = []string{}
	}
	for _, d := range v.Delegates {
		o.Delegates = append(o.Delegates, delegateJSON{Address: d.Address, Status: string(d.Status)})
	}
	return o
}

func (h *handler) orgs(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	views, err := h.core.ListOrgs(r.Context(), a, r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeEach(w, http.StatusOK, views, orgOut)
}

func (h *handler) addOrg(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	var in OrgIn
	if err := decode(w, r, maxBody, &in); err != nil {
		return err
	}
	p, err := listserv.ParsePartnerType(in.PartnerType)
	if err != nil {
		return fmt.Errorf("%w: %w", err, errBadRequest)
	}
	sp := listserv.OrgSpec{Slug: in.Org, Name: in.Name, Contacts: in.Contacts, Seats: -1, Partner: p, Note: in.Note}
	if in.Seats != nil {
		if *in.Seats < 0 {
			return fmt.Errorf("seats must be 0 (no cap) or more: %w", errBadRequest)
		}
		sp.Seats = *in.Seats
	}
	list := r.PathValue("name")
	o, err := h.core.AddOrg(r.Context(), a, list, sp)
	if err != nil {
		return err
	}
	v, err := h.core.GetOrg(r.Context(), a, list, o.Slug)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, orgOut(v))
	return nil
}

func (h *handler) getOrg(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	v, err := h.core.GetOrg(r.Context(), a, r.PathValue("name"), r.PathValue("org"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, orgOut(v))
	return nil
}

func (h *handler) deleteOrg(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	removed, err := h.core.RemoveOrg(r.Context(), a, r.PathValue("name"), r.PathValue("org"))
	if err != nil {
		return err
	}
	if removed == nil {
		removed = []string{}
	}
	writeJSON(w, http.StatusOK, map[string][]string{"removed": removed})
	return nil
}

func (h *handler) addDelegate(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	var in DelegateIn
	if err := decode(w, r, maxBody, &in); err != nil {
		return err
	}
	answer, err := h.core.AddDelegate(r.Context(), a, r.PathValue("name"), r.PathValue("org"), in.Address)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"address": in.Address, "status": string(listserv.StatusPending), "answer": answer})
	return nil
}

func (h *handler) deleteDelegate(w http.ResponseWriter, r *http.Request, a listserv.Actor) error {
	answer, err := h.core.RemoveDelegate(r.Context(), a, r.PathValue("name"), r.PathValue("org"), r.PathValue("addr"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"answer": answer})
	return nil
}
