package web

import (
	"errors"
	"net/http"

	"minyan/listserv"
)

// OldURLCore finds where a page of an imported list's previous archive
// went (listserv.OldArchiveTarget). The web face asks it only for paths
// no route of its own serves, so old links cannot shadow minyan's pages.
type OldURLCore interface {
	OldArchiveTarget(a listserv.Actor, path string) (string, error)
}

// notFoundOrMoved answers a path no route serves: a permanent redirect
// when it was a page of an imported archive, else "not found". The core
// is optional (an OldURLCore), so fakes of Core need not implement it.
func (h *handler) notFoundOrMoved(w http.ResponseWriter, r *http.Request) {
	oc, ok := h.o.Core.(OldURLCore)
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		h.notFound(w, r)
		return
	}
	target, err := oc.OldArchiveTarget(h.viewer(r).Actor(), r.URL.Path)
	switch {
	case errors.Is(err, listserv.ErrNotFound):
		h.notFound(w, r)
	case err != nil:
		h.fail(w, r, err)
	default:
		http.Redirect(w, r, target, http.StatusMovedPermanently)
	}
}
