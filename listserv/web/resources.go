package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"minyan/listserv"
	"minyan/listserv/search"
)

// resourcesPerPage is how many hub entries a page shows.
const resourcesPerPage = 30

// tagCount is one #tag with how many entries carry it.
type tagCount struct {
	Tag string
	N   int
}

// resourcesPage answers GET /resources and /lists/NAME/resources: the
// hub's entries from archives the viewer may read, filtered by list,
// #tag, kind and words with plain GET forms and links.
func (h *handler) resourcesPage(w http.ResponseWriter, r *http.Request) {
	v := h.viewer(r)
	a := v.Actor()
	qs := r.URL.Query()
	f, problem, ok := parseResourceQuery(qs.Get)
	fixed := ""
	if n := r.PathValue("name"); n != "" {
		var okn bool
		if fixed, okn = listName(n); !okn {
			h.notFound(w, r)
			return
		}
		f.List = fixed
	}
	if !ok && problem == noSuchList {
		h.notFound(w, r)
		return
	}
	lists, err := h.o.Core.ReadableArchivesFor(a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := map[string]any{"Title": h.t(r, "resources.title"), "F": f, "Fixed": fixed, "Lists": lists, "Kinds": search.Kinds()}
	if fixed != "" {
		data["Title"] = h.t(r, "resources.title_on", fixed)
	}
	if !ok {
		data["Problem"] = h.t(r, problem)
		f = resourceQuery{List: fixed, Page: 1}
		data["F"] = f
	}
	page, err := h.o.Core.Resources(r.Context(), a, listserv.ResourceFilter{List: f.List, Tag: f.Tag, Kind: f.Kind, Q: f.Q,
		Page: f.Page, PerPage: resourcesPerPage})
	if err != nil {
		h.archiveFail(w, r, err)
		return
	}
	tags, err := h.o.Core.ResourceTags(a)
	if err != nil {
		h.archiveFail(w, r, err)
		return
	}
	var tc []tagCount
	for t, n := range tags {
		tc = append(tc, tagCount{t, n})
	}
	slices.SortFunc(tc, func(x, y tagCount) int {
		if x.N != y.N {
			return y.N - x.N
		}
		if x.Tag < y.Tag {
			return -1
		}
		return 1
	})
	if len(tc) > 40 {
		tc = tc[:40]
	}
	var last time.Time
	for _, e := range page.Entries {
		if e.Latest.After(last) {
			last = e.Latest
		}
	}
	base := "/resources"
	vals := url.Values{}
	if fixed != "" {
		base = "/lists/" + fixed + "/resources"
	} else if f.List != "" {
		vals.Set("list", f.List)
	}
	for k, val := range map[string]string{"tag": f.Tag, "kind": string(f.Kind), "q": f.Q} {
		if val != "" {
			vals.Set(k, val)
		}
	}
	if enc := vals.Encode(); enc != "" {
		base += "?" + enc
	}
	data["Base"] = base
	data["Page"] = page
	data["Tags"] = tc
	data["Pager"] = makePager(base, page.Page, (page.Total+resourcesPerPage-1)/resourcesPerPage)
	h.archivePage(w, r, v, "archive-resources", data, last)
}
