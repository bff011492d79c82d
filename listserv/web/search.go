package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"minyan/listserv"
)

// searchPage answers GET /search?q=Q[&list=NAME][&page=N][&sort=relevance]:
// newest first, or best match first with sort=relevance; results only
// from archives the viewer may read (the domain decides), a snippet with
// the matched words marked, and the query syntax explained.
func (h *handler) searchPage(w http.ResponseWriter, r *http.Request) {
	v := h.viewer(r)
	a := v.Actor()
	qs := r.URL.Query()
	q, okq := cleanQuery(qs.Get("q"))
	page, okp := parsePage(qs.Get("page"))
	list := ""
	okl := true
	if l := qs.Get("list"); l != "" {
		list, okl = listName(l)
	}
	if !okl {
		h.notFound(w, r)
		return
	}
	lists, err := h.o.Core.ReadableArchivesFor(a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	order := listserv.SearchByDate
	if qs.Get("sort") == "relevance" {
		order = listserv.SearchByRelevance
	}
	data := map[string]any{"Title": h.t(r, "layout.search_label"), "Q": q, "List": list, "Lists": lists,
		"Relevance": order == listserv.SearchByRelevance}
	if !okq || !okp {
		data["Problem"] = h.t(r, "search_go.bad_query")
		h.archivePage(w, r, v, "archive-search", data, time.Time{})
		return
	}
	if q != "" || list != "" {
		res, err := h.o.Core.SearchOrdered(r.Context(), a, q, list, page, order)
		switch {
		case errors.Is(err, listserv.ErrBadQuery):
			data["Problem"] = sentence(err.Error())
		case err != nil:
			h.archiveFail(w, r, err)
			return
		default:
			data["Results"] = res
			if q != "" {
				pages := (res.Total + res.PerPage - 1) / max(res.PerPage, 1)
				base := "/search?" + url.Values{"q": {q}}.Encode()
				if list != "" {
					base += "&" + url.Values{"list": {list}}.Encode()
				}
				data["ByDate"], data["ByRelevance"] = base, base+"&sort=relevance"
				if order == listserv.SearchByRelevance {
					base += "&sort=relevance"
				}
				data["Pager"] = makePager(base, res.Page, pages)
			}
		}
	}
	h.archivePage(w, r, v, "archive-search", data, time.Time{})
}
