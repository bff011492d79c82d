// Package web is the HTTP face of the list server: one-click unsubscribe
// (RFC 8058), health and metrics. Pages change nothing on GET; only POST
// acts, so link scanners in mail filters cannot unsubscribe anyone.
package web

import (
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

//go:embed pages/*.html
var pageFS embed.FS

var pages = template.Must(template.ParseFS(pageFS, "pages/*.html"))

// Core is what the web face needs from the domain.
type Core interface {
	Unsubscribe(token string) (list, addr string, err error)
	UnsubscribeInfo(token string) (list, addr string, ok bool)
	ConfirmInfo(token string) (action, list, addr string, ok bool)
	Confirm(ctx context.Context, token string) (string, error)
	Domain() string
	Healthy() error
}

// Options wire the handler.
type Options struct {
	Core     Core
	Gatherer prometheus.Gatherer
	Logger   *slog.Logger
}

// Handler returns the HTTP handler.
func Handler(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	h := &handler{o: o}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /u/{token}", h.unsubscribePage)
	mux.HandleFunc("POST /u/{token}", h.unsubscribe)
	mux.HandleFunc("GET /confirm/{token}", h.confirmPage)
	mux.HandleFunc("POST /confirm/{token}", h.confirm)
	mux.HandleFunc("GET /healthz", h.healthz)
	if o.Gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{}))
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("minyan mailing lists at " + o.Core.Domain() + "\n"))
	})
	return securityHeaders(mux)
}

type handler struct{ o Options }

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		next.ServeHTTP(w, r)
	})
}

func (h *handler) render(w http.ResponseWriter, status int, name string, data map[string]any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name+".html", data); err != nil {
		h.o.Logger.Error("render page", "page", name, "err", err)
	}
}

func (h *handler) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	list, addr, ok := h.o.Core.UnsubscribeInfo(r.PathValue("token"))
	if !ok {
		h.render(w, http.StatusNotFound, "invalid", map[string]any{"Title": "Link not valid",
			"Message": "This unsubscribe link is not valid any more. You may already be unsubscribed."})
		return
	}
	d := h.o.Core.Domain()
	h.render(w, http.StatusOK, "unsubscribe", map[string]any{"Title": "Unsubscribe", "List": list + "@" + d, "Address": addr,
		"Request": list + "-request@" + d, "Owner": list + "-owner@" + d})
}

// unsubscribe acts on RFC 8058 one-click POSTs (List-Unsubscribe=One-Click
// in the form body, urlencoded or multipart) and on the button of the GET
// page, which sends the same field.
func (h *handler) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if err := oneClickRequested(r); err != nil {
		h.render(w, http.StatusBadRequest, "invalid", map[string]any{"Title": "Not understood",
			"Message": "This request did not ask to unsubscribe (List-Unsubscribe=One-Click is missing)."})
		return
	}
	list, addr, err := h.o.Core.Unsubscribe(r.PathValue("token"))
	if err != nil {
		h.render(w, http.StatusNotFound, "invalid", map[string]any{"Title": "Link not valid", "Message": err.Error()})
		return
	}
	h.render(w, http.StatusOK, "unsubscribed", map[string]any{"Title": "Unsubscribed",
		"List": list + "@" + h.o.Core.Domain(), "Address": addr, "Join": list + "-join@" + h.o.Core.Domain()})
}

func (h *handler) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := h.o.Core.Healthy(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("unhealthy: " + err.Error() + "\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

func (h *handler) confirmPage(w http.ResponseWriter, r *http.Request) {
	action, list, addr, ok := h.o.Core.ConfirmInfo(r.PathValue("token"))
	if !ok {
		h.render(w, http.StatusNotFound, "invalid", map[string]any{"Title": "Link not valid",
			"Message": "This confirmation link is not valid any more: it expired or was already used."})
		return
	}
	title := "Confirm joining"
	if action == "leave" {
		title = "Confirm leaving"
	}
	h.render(w, http.StatusOK, "confirm", map[string]any{"Title": title, "Action": action,
		"List": list + "@" + h.o.Core.Domain(), "Address": addr})
}

// confirm acts only on POST, so mail scanners that open links cannot
// confirm anything.
func (h *handler) confirm(w http.ResponseWriter, r *http.Request) {
	msg, err := h.o.Core.Confirm(r.Context(), r.PathValue("token"))
	if err != nil {
		h.render(w, http.StatusNotFound, "invalid", map[string]any{"Title": "Link not valid", "Message": err.Error()})
		return
	}
	h.render(w, http.StatusOK, "confirmed", map[string]any{"Title": "Done", "Message": msg})
}
