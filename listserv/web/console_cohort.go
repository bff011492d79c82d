package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"minyan/listserv"
)

// CohortCore is what the console's "next cohort" form needs: the same
// operation as `minyan cohort next` (site admins only, decided in the
// domain).
type CohortCore interface {
	NextCohort(ctx context.Context, a listserv.Actor, name, next, title string) (listserv.NextCohortResult, error)
}

// cohortForm is the "next cohort" form: the new list's name and an
// optional title.
type cohortForm struct {
	Name, Title string
}

// cohortValues reads the form; the domain judges the name.
func cohortValues(v url.Values) (cohortForm, error) {
	f := cohortForm{Name: strings.ToLower(strings.TrimSpace(v.Get("name"))), Title: strings.TrimSpace(v.Get("title"))}
	if f.Name == "" {
		return f, problem("cohort_form.name")
	}
	if len(f.Name) > 64 || len(f.Title) > 200 {
		return f, problem("cohort_form.too_long")
	}
	return f, nil
}

// consoleCohortNext starts the next cohort of a community from its
// console and opens the new list's console; a refusal is said on the
// console's page.
func (h *handler) consoleCohortNext(w http.ResponseWriter, r *http.Request) {
	v, rights, ok := h.consoleStart(w, r)
	if !ok {
		return
	}
	problem := func(status int, msg string) {
		h.consolePage(w, r, v, rights, status, "console", "", map[string]any{
			"Title": h.t(r, "console_go.running", rights.List.Settings.Title), "Problem": h.t(r, "console_go.cohort_not_started", msg)})
	}
	form, err := postForm(r)
	var f cohortForm
	if err == nil {
		f, err = cohortValues(form)
	}
	if err != nil {
		problem(http.StatusBadRequest, h.formError(r, err))
		return
	}
	res, err := h.d.cohorts.NextCohort(r.Context(), v.Actor(), rights.List.Name, f.Name, f.Title)
	switch {
	case errors.Is(err, listserv.ErrForbidden), errors.Is(err, listserv.ErrNotFound):
		h.consoleFail(w, r, v, err)
		return
	case err != nil:
		problem(http.StatusUnprocessableEntity, h.errText(r, err))
		return
	}
	http.Redirect(w, r, "/lists/"+res.List.Name+"/admin", http.StatusSeeOther)
}
