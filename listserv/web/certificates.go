package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"minyan/listserv"
)

// CertificateCore draws a person's certificates of completion (the
// scheduler's Certificate): ErrNotFound for anyone not marked present.
type CertificateCore interface {
	Certificate(ctx context.Context, a listserv.Actor, list string, id uint64) ([]byte, error)
}

func (h *handler) certificateRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /me/certificates/{list}/{file}", h.certificate)
}

// certificate serves /me/certificates/LIST/ID.pdf to the signed-in
// person marked present at that session; everyone else, signed in or
// not, gets the same 404 as for a page that does not exist.
func (h *handler) certificate(w http.ResponseWriter, r *http.Request) {
	name, ok := listName(r.PathValue("list"))
	idText, isPDF := strings.CutSuffix(r.PathValue("file"), ".pdf")
	id, err := strconv.ParseUint(idText, 10, 64)
	v := h.viewer(r)
	if !ok || !isPDF || err != nil || v.Address == "" {
		h.notFound(w, r)
		return
	}
	pdf, err := h.o.Certificates.Certificate(r.Context(), listserv.Person(v.Address, listserv.DoorWeb), name, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="certificate-`+name+"-"+strconv.FormatUint(id, 10)+`.pdf"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(pdf)
}
