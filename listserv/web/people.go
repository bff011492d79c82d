package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"minyan/listserv"
	"minyan/store"
)

// PeopleCore is what the pages of relationships across the network need
// from the domain: a person's own profile (/me/profile), the people
// directory (/people), messages relayed from it, and the "not now" link
// of an introduction. Options.People is it; without one these pages are
// not served.
type PeopleCore interface {
	Profile(ctx context.Context, a listserv.Actor, addr string) (listserv.ProfileView, error)
	SetProfile(ctx context.Context, a listserv.Actor, addr string, c listserv.ProfileChange) (listserv.ProfileView, error)
	MayUseDirectory(a listserv.Actor) bool
	People(ctx context.Context, a listserv.Actor, q listserv.PeopleQuery) (listserv.PeopleResult, error)
	PersonProfile(ctx context.Context, a listserv.Actor, id string) (listserv.PersonView, error)
	MessagePerson(ctx context.Context, a listserv.Actor, id, body string) (listserv.PersonCard, error)
	NotNowInfo(token string) (string, bool)
	NotNow(ctx context.Context, token string) error
}

func (h *handler) peopleRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /me/profile", h.profilePage)
	mux.HandleFunc("POST /me/profile", h.saveProfile)
	mux.HandleFunc("GET /people", h.peoplePage)
	mux.HandleFunc("GET /people/{id}", h.personPage)
	mux.HandleFunc("POST /people/{id}/message", h.messagePerson)
	mux.HandleFunc("GET /intros/not-now/{token}", h.notNowPage)
	mux.HandleFunc("POST /intros/not-now/{token}", h.notNow)
}

// langChoices are the languages of the profile form.
var langChoices = []struct{ Value, Label string }{{"", "No preference"}, {"en", "English"}, {"he", "עברית (Hebrew)"}, {"es", "Español (Spanish)"}}

func (h *handler) renderProfile(w http.ResponseWriter, r *http.Request, v Viewer, status int, pv listserv.ProfileView, notice, problem string) {
	h.page(w, r, status, "me-profile", map[string]any{"Title": h.t(r, "profile.title"), "Viewer": v.Address, "P": pv,
		"Roles": roleChoices(pv.HasRole), "Langs": langChoices, "Zones": zoneChoices("", pv.Zone, h.o.Now()), "Directory": h.o.People.MayUseDirectory(v.Actor()),
		"Notice": notice, "Problem": problem})
}

func (h *handler) profilePage(w http.ResponseWriter, r *http.Request) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	pv, err := h.o.People.Profile(r.Context(), v.Actor(), v.Address)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderProfile(w, r, v, http.StatusOK, pv, "", "")
}

func (h *handler) saveProfile(w http.ResponseWriter, r *http.Request) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	vals, err := postForm(r)
	var c listserv.ProfileChange
	if err == nil {
		c, err = profileValues(vals)
	}
	if err == nil {
		var pv listserv.ProfileView
		pv, err = h.o.People.SetProfile(r.Context(), v.Actor(), v.Address, c)
		if err == nil {
			notice := "Saved. You are not in the people directory."
			if pv.Listed {
				notice = "Saved. Your profile is in the people directory."
			}
			h.renderProfile(w, r, v, http.StatusOK, pv, notice, "")
			return
		}
		var pe *listserv.ProfileError
		if !errors.As(err, &pe) {
			h.fail(w, r, err)
			return
		}
	}
	// Show the form again with what was typed and the reason.
	pv, perr := h.o.People.Profile(r.Context(), v.Actor(), v.Address)
	if perr != nil {
		h.fail(w, r, perr)
		return
	}
	overlay(&pv, c)
	h.renderProfile(w, r, v, http.StatusBadRequest, pv, "", h.errText(r, err))
}

// overlay puts typed values over the stored profile for a form shown
// again.
func overlay(pv *listserv.ProfileView, c listserv.ProfileChange) {
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&pv.Name, c.Name}, {&pv.Pronouns, c.Pronouns}, {&pv.Region, c.Region}, {&pv.About, c.About}, {&pv.Offers, c.Offers}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	if c.Roles != nil {
		pv.Roles = *c.Roles
	}
	if c.Listed != nil {
		pv.Listed = *c.Listed
	}
	if c.Intros != nil {
		pv.Intros = *c.Intros
	}
}

// directoryRefused answers someone who may not use the directory.
func (h *handler) directoryRefused(w http.ResponseWriter, r *http.Request, err error) bool {
	if errors.Is(err, listserv.ErrDirectoryClosed) {
		h.page(w, r, http.StatusForbidden, "message", map[string]any{"Title": h.t(r, "people.title"),
			"Message": h.errText(r, err), "Back": "/"})
		return true
	}
	return false
}

func (h *handler) peoplePage(w http.ResponseWriter, r *http.Request) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	q, qerr := peopleQuery(r.URL.Query())
	res, err := h.o.People.People(r.Context(), v.Actor(), q)
	if h.directoryRefused(w, r, err) {
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	problem := ""
	if qerr != nil {
		problem = sentence(qerr.Error())
	}
	page := func(n int) string {
		u := url.Values{}
		for k, val := range map[string]string{"q": q.Q, "region": q.Region, "role": string(q.Role)} {
			if val != "" {
				u.Set(k, val)
			}
		}
		u.Set("page", strconv.Itoa(n))
		return "/people?" + u.Encode()
	}
	data := map[string]any{"Title": h.t(r, "people.title"), "Viewer": v.Address, "Q": q, "Res": res, "Problem": problem,
		"Roles":    roleChoices(func(r store.ProfileRole) bool { return r == q.Role }),
		"Searched": q.Q != "" || q.Region != "" || q.Role != ""}
	if res.Page > 1 {
		data["Prev"] = page(res.Page - 1)
	}
	if res.Page < res.Pages {
		data["Next"] = page(res.Page + 1)
	}
	status := http.StatusOK
	if qerr != nil {
		status = http.StatusBadRequest
	}
	h.page(w, r, status, "people", data)
}

func (h *handler) personPage(w http.ResponseWriter, r *http.Request) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	h.renderPerson(w, r, v, http.StatusOK, "", "", "")
}

func (h *handler) renderPerson(w http.ResponseWriter, r *http.Request, v Viewer, status int, notice, problem, body string) {
	id, ok := token(r.PathValue("id"))
	if !ok {
		h.notFound(w, r)
		return
	}
	pv, err := h.o.People.PersonProfile(r.Context(), v.Actor(), id)
	if h.directoryRefused(w, r, err) {
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	title := pv.Name
	if title == "" {
		title = h.t(r, "people.someone")
	}
	h.page(w, r, status, "person", map[string]any{"Title": title, "Viewer": v.Address, "P": pv, "Notice": notice,
		"Problem": problem, "Body": body, "PerPerson": listserv.RelayPerPersonPerDay, "PerDay": listserv.RelayPerDay})
}

func (h *handler) messagePerson(w http.ResponseWriter, r *http.Request) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	id, ok := token(r.PathValue("id"))
	if !ok {
		h.notFound(w, r)
		return
	}
	vals, err := postForm(r)
	if err != nil {
		h.message(w, r, http.StatusBadRequest, h.t(r, "page.not_understood"), h.errText(r, err))
		return
	}
	body := vals.Get("body")
	card, err := h.o.People.MessagePerson(r.Context(), v.Actor(), id, body)
	var limit *listserv.RelayLimitError
	var pe *listserv.ProfileError
	switch {
	case err == nil:
		msg := h.t(r, "person.sent_someone")
		if card.Name != "" {
			msg = h.t(r, "person.sent", card.Name)
		}
		h.page(w, r, http.StatusOK, "message", map[string]any{"Title": h.t(r, "person.sent_title"), "Viewer": v.Address,
			"Message": msg, "Back": "/people/" + id})
	case errors.As(err, &limit):
		h.page(w, r, http.StatusTooManyRequests, "message", map[string]any{"Title": h.t(r, "person.not_sent"), "Viewer": v.Address,
			"Message": sentence(limit.Error()), "Back": "/people/" + id})
	case h.directoryRefused(w, r, err):
	case errors.Is(err, listserv.ErrNotFound), errors.Is(err, listserv.ErrForbidden):
		h.fail(w, r, err)
	case errors.As(err, &pe):
		h.renderPerson(w, r, v, http.StatusBadRequest, "", sentence(pe.In(h.lang(r))), body)
	default:
		h.fail(w, r, err)
	}
}

func (h *handler) badNotNowLink(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, http.StatusNotFound, "message", map[string]any{"Title": h.t(r, "page.bad_link_title"), "Message": h.t(r, "intro_link.bad"), "Back": "/me/profile"})
}

// notNowPage shows whose "not now" link this is and one button; opening
// it changes nothing (mail scanners open links).
func (h *handler) notNowPage(w http.ResponseWriter, r *http.Request) {
	tok, ok := token(r.PathValue("token"))
	who, valid := h.o.People.NotNowInfo(tok)
	if !ok || !valid {
		h.badNotNowLink(w, r)
		return
	}
	h.page(w, r, http.StatusOK, "intro-not-now", map[string]any{"Title": h.t(r, "intro.not_now"), "Who": who})
}

func (h *handler) notNow(w http.ResponseWriter, r *http.Request) {
	tok, ok := token(r.PathValue("token"))
	if !ok {
		h.badNotNowLink(w, r)
		return
	}
	err := h.o.People.NotNow(r.Context(), tok)
	if errors.Is(err, listserv.ErrBadIntroLink) {
		h.badNotNowLink(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.message(w, r, http.StatusOK, h.t(r, "people_go.noted"), h.t(r, "people_go.not_now"))
}
