package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"minyan/listserv"
	"minyan/store"
)

// The web archive: thread lists, a message in its thread, the raw
// message, attachments, the feed and the redaction button. Every answer
// comes from the domain, which applies the one archive access rule: an
// archive the viewer may not read answers ErrNotFound, and the page is
// the same "Page not found" as for a list that does not exist.

// ArchiveCore is what the archive pages need from the domain.
type ArchiveCore interface {
	Threads(ctx context.Context, a listserv.Actor, list string, page int) (listserv.ThreadPage, error)
	ThreadsInMonth(ctx context.Context, a listserv.Actor, list string, year int, month time.Month) (listserv.ThreadPage, error)
	ArchiveMonths(ctx context.Context, a listserv.Actor, list string) ([]listserv.MonthCount, error)
	Message(ctx context.Context, a listserv.Actor, list string, seq uint64, o listserv.ViewOptions) (listserv.MessageView, error)
	RawMessage(ctx context.Context, a listserv.Actor, list string, seq uint64) ([]byte, error)
	Attachment(ctx context.Context, a listserv.Actor, list string, seq uint64, n int) (listserv.AttachmentFile, error)
	Feed(ctx context.Context, a listserv.Actor, list string) ([]byte, error)
	RedactMessage(ctx context.Context, a listserv.Actor, list string, seq uint64, reason string) error
	CanRedact(a listserv.Actor, list string) bool
	SearchOrdered(ctx context.Context, a listserv.Actor, query, list string, page int, order listserv.SearchOrder) (listserv.SearchResults, error)
	Resources(ctx context.Context, a listserv.Actor, f listserv.ResourceFilter) (listserv.ResourcePage, error)
	ResourceTags(a listserv.Actor) (map[string]int, error)
	ReadableArchivesFor(a listserv.Actor) ([]store.List, error)
}

// archiveRoutes registers the archive's pages (only when the web archive
// is on).
func (h *handler) archiveRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /lists/{name}/archive", h.archiveThreads)
	mux.HandleFunc("GET /lists/{name}/archive/{month}", h.archiveMonth)
	mux.HandleFunc("GET /lists/{name}/m/{seq}", h.archiveMessage)
	mux.HandleFunc("GET /lists/{name}/m/{seq}/raw", h.archiveRaw)
	mux.HandleFunc("GET /lists/{name}/m/{seq}/att/{n}", h.archiveAttachment)
	mux.HandleFunc("POST /lists/{name}/m/{seq}/redact", h.archiveRedact)
	mux.HandleFunc("GET /lists/{name}/feed.atom", h.archiveFeed)
	mux.HandleFunc("GET /search", h.searchPage)
	mux.HandleFunc("GET /resources", h.resourcesPage)
	mux.HandleFunc("GET /lists/{name}/resources", h.resourcesPage)
}

// archiveFail answers an archive error: a message that does not exist
// (or was removed) is "Page not found" like everything else hidden.
func (h *handler) archiveFail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, listserv.ErrNoMessage):
		h.notFound(w, r)
	case errors.Is(err, listserv.ErrNotFound):
		h.hiddenOrSignIn(w, r, true)
	case errors.Is(err, listserv.ErrSearchOff):
		w.Header().Set("Retry-After", "60")
		h.message(w, r, http.StatusServiceUnavailable, h.t(r, "search_go.starting_title"), h.t(r, "search_go.starting"))
	case errors.Is(err, listserv.ErrSearchBusy):
		w.Header().Set("Retry-After", "5")
		h.message(w, r, http.StatusServiceUnavailable, h.t(r, "search_go.busy_title"), h.t(r, "search_go.busy"))
	case errors.Is(err, context.Canceled):
		// The person left: nobody reads an answer.
		w.WriteHeader(499)
	default:
		h.fail(w, r, err)
	}
}

// cacheable answers a response that anyone may cache (a public archive
// seen by a visitor who is not signed in): ETag from the body, and
// Last-Modified when known, with 304 to a conditional request that
// matches. It returns true when it answered 304.
func cacheable(w http.ResponseWriter, r *http.Request, body []byte, lastMod time.Time) bool {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	hd := w.Header()
	hd.Set("ETag", etag)
	hd.Set("Cache-Control", "public, max-age=60")
	hd.Add("Vary", "Cookie")
	if !lastMod.IsZero() {
		hd.Set("Last-Modified", lastMod.UTC().Format(http.TimeFormat))
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if etagMatches(inm, etag) {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
		return false // If-Modified-Since is ignored when If-None-Match is sent
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && !lastMod.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !lastMod.UTC().Truncate(time.Second).After(t) {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}

// etagMatches applies If-None-Match (weak comparison) to one ETag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// serveArchive writes a response of the archive: cacheable for a
// visitor who is not signed in (who only ever reads public archives),
// `private, no-store` for anyone signed in.
func (h *handler) serveArchive(w http.ResponseWriter, r *http.Request, v Viewer, contentType string, body []byte, lastMod time.Time) {
	w.Header().Set("Content-Type", contentType)
	if v.Address == "" {
		if cacheable(w, r, body, lastMod) {
			return
		}
	} else {
		w.Header().Set("Cache-Control", "private, no-store")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// archivePage renders pages/NAME.html in the layout, then serves it as
// serveArchive does.
func (h *handler) archivePage(w http.ResponseWriter, r *http.Request, v Viewer, name string, data map[string]any, lastMod time.Time) {
	data["Site"] = h.o.Core.Domain()
	data["Viewer"] = v.Address
	data["ArchiveOn"] = true
	data["ViewerZone"] = h.zone(r, v.Address)
	l := h.pageLang(r, v.Address)
	data["Lang"], data["Dir"], data["Path"] = string(l), l.Dir(), backPath(r)
	var buf bytes.Buffer
	if err := h.pages.get(l).ExecuteTemplate(&buf, name+".html", data); err != nil {
		h.o.Logger.Error("render page", "page", name, "err", err)
		h.message(w, r, http.StatusInternalServerError, h.t(r, "page.oops_title"), h.t(r, "page.oops"))
		return
	}
	h.serveArchive(w, r, v, "text/html; charset=utf-8", buf.Bytes(), lastMod)
}

// pager is the numbers of a paged listing.
type pager struct {
	Page, Pages int
	Prev, Next  string // links, "" at the ends
}

func makePager(base string, page, pages int) pager {
	p := pager{Page: page, Pages: max(pages, 1)}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	if page > 1 {
		p.Prev = base + sep + "page=" + strconv.Itoa(page-1)
		if page == 2 {
			p.Prev = base
		}
	}
	if page < pages {
		p.Next = base + sep + "page=" + strconv.Itoa(page+1)
	}
	return p
}

// threadsAndMonths loads a page of threads and the list's months for an
// archive page, with last the newest post among those threads (for
// Last-Modified); on a failure it has answered already and ok is false.
func (h *handler) threadsAndMonths(w http.ResponseWriter, r *http.Request, a listserv.Actor, name string,
	threads func(listserv.Actor) (listserv.ThreadPage, error)) (tp listserv.ThreadPage, months []listserv.MonthCount, last time.Time, ok bool) {
	tp, err := threads(a)
	if err == nil {
		months, err = h.o.Core.ArchiveMonths(r.Context(), a, name)
	}
	if err != nil {
		h.archiveFail(w, r, err)
		return tp, nil, last, false
	}
	for _, t := range tp.Threads {
		if t.Last.After(last) {
			last = t.Last
		}
	}
	return tp, months, last, true
}

func (h *handler) archiveThreads(w http.ResponseWriter, r *http.Request) {
	name, ok := listName(r.PathValue("name"))
	page, okp := parsePage(r.URL.Query().Get("page"))
	if !ok || !okp {
		h.notFound(w, r)
		return
	}
	v := h.viewer(r)
	tp, months, last, ok := h.threadsAndMonths(w, r, v.Actor(), name, func(a listserv.Actor) (listserv.ThreadPage, error) {
		return h.o.Core.Threads(r.Context(), a, name, page)
	})
	if !ok {
		return
	}
	if tp.Page > tp.Pages {
		h.notFound(w, r)
		return
	}
	h.archivePage(w, r, v, "archive", map[string]any{"Title": h.t(r, "archive.title", tp.List), "List": tp.List,
		"Threads": tp.Threads, "Total": tp.Total, "Months": months,
		"Pager": makePager("/lists/"+tp.List+"/archive", tp.Page, tp.Pages)}, last)
}

func (h *handler) archiveMonth(w http.ResponseWriter, r *http.Request) {
	name, ok := listName(r.PathValue("name"))
	y, m, okm := parseMonthPath(r.PathValue("month"))
	if !ok || !okm {
		h.notFound(w, r)
		return
	}
	v := h.viewer(r)
	tp, months, last, ok := h.threadsAndMonths(w, r, v.Actor(), name, func(a listserv.Actor) (listserv.ThreadPage, error) {
		return h.o.Core.ThreadsInMonth(r.Context(), a, name, y, m)
	})
	if !ok {
		return
	}
	h.archivePage(w, r, v, "archive", map[string]any{"Title": h.t(r, "archive.month_title", tp.List, h.t(r, fmt.Sprintf("date.month.%d", int(m))), y), "List": tp.List,
		"Threads": tp.Threads, "Total": tp.Total, "Months": months, "Month": fmt.Sprintf("%04d-%02d", y, int(m)),
		"Pager": pager{Page: 1, Pages: 1}}, last)
}

// imagesCSP is the page policy when the reader asked for a post's remote
// images: the same as every page, with images from anywhere.
const imagesCSP = "default-src 'self'; img-src 'self' https: http:; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// messagePath reads the list and message number of a path under
// /lists/NAME/m/SEQ; when either is malformed it has answered the
// missing page and ok is false.
func (h *handler) messagePath(w http.ResponseWriter, r *http.Request) (name string, seq uint64, ok bool) {
	name, okName := listName(r.PathValue("name"))
	seq, okSeq := parseSeq(r.PathValue("seq"))
	if !okName || !okSeq {
		h.notFound(w, r)
		return "", 0, false
	}
	return name, seq, true
}

func (h *handler) archiveMessage(w http.ResponseWriter, r *http.Request) {
	name, seq, ok := h.messagePath(w, r)
	if !ok {
		return
	}
	images := r.URL.Query().Get("images") == "1"
	v := h.viewer(r)
	a := v.Actor()
	mv, err := h.o.Core.Message(r.Context(), a, name, seq, listserv.ViewOptions{LoadImages: images})
	if err != nil {
		h.archiveFail(w, r, err)
		return
	}
	h.renderMessage(w, r, v, mv, images, "", http.StatusOK)
}

func (h *handler) renderMessage(w http.ResponseWriter, r *http.Request, v Viewer, mv listserv.MessageView, images bool, problem string, status int) {
	if images {
		w.Header().Set("Content-Security-Policy", imagesCSP)
	}
	var last time.Time
	for _, p := range mv.InThread {
		if p.Date.After(last) {
			last = p.Date
		}
	}
	subject := mv.Subject
	if strings.TrimSpace(subject) == "" {
		subject = h.t(r, "archive.no_subject")
	}
	var sizes []string
	for _, at := range mv.Attachments {
		sizes = append(sizes, humanSize(at.Size))
	}
	data := map[string]any{"Title": subject, "M": mv, "Blocks": pageBlocks(mv.Body), "Sizes": sizes, "HTML": template.HTML(mv.HTML), //nolint:gosec // sanitised by the domain (SanitizeHTML)
		"Images": images, "CanRedact": v.Address != "" && h.o.Core.CanRedact(v.Actor(), mv.List), "Problem": problem}
	if status != http.StatusOK {
		data["Site"], data["Viewer"], data["ArchiveOn"], data["ViewerZone"] = h.o.Core.Domain(), v.Address, true, h.zone(r, v.Address)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "private, no-store")
		l := h.pageLang(r, v.Address)
		data["Lang"], data["Dir"], data["Path"] = string(l), l.Dir(), "/"
		w.WriteHeader(status)
		if err := h.pages.get(l).ExecuteTemplate(w, "archive-message.html", data); err != nil {
			h.o.Logger.Error("render page", "page", "archive-message", "err", err)
		}
		return
	}
	h.archivePage(w, r, v, "archive-message", data, last)
}

func (h *handler) archiveRaw(w http.ResponseWriter, r *http.Request) {
	name, seq, ok := h.messagePath(w, r)
	if !ok {
		return
	}
	v := h.viewer(r)
	raw, err := h.o.Core.RawMessage(r.Context(), v.Actor(), name, seq)
	if err != nil {
		h.archiveFail(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%d.eml", seq))
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.serveArchive(w, r, v, "message/rfc822", raw, time.Time{})
}

func (h *handler) archiveAttachment(w http.ResponseWriter, r *http.Request) {
	name, seq, ok := h.messagePath(w, r)
	if !ok {
		return
	}
	n, ok := parseAttachment(r.PathValue("n"))
	if !ok {
		h.notFound(w, r)
		return
	}
	v := h.viewer(r)
	f, err := h.o.Core.Attachment(r.Context(), v.Actor(), name, seq, n)
	if err != nil {
		h.archiveFail(w, r, err)
		return
	}
	// Always a download, in a type no browser runs, in a sandbox should
	// a browser show it anyway.
	w.Header().Set("Content-Disposition", f.Disposition)
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.serveArchive(w, r, v, f.ContentType, f.Data, time.Time{})
}

func (h *handler) archiveFeed(w http.ResponseWriter, r *http.Request) {
	name, ok := listName(r.PathValue("name"))
	if !ok {
		h.notFound(w, r)
		return
	}
	// The feed is the same for everyone: only public archives have one.
	feed, err := h.o.Core.Feed(r.Context(), listserv.Anonymous(listserv.DoorWeb), name)
	if err != nil {
		h.archiveFail(w, r, err)
		return
	}
	h.serveArchive(w, r, Viewer{}, "application/atom+xml; charset=utf-8", feed, feedUpdated(feed))
}

// feedUpdated reads the feed's own <updated> (the newest post).
func feedUpdated(feed []byte) time.Time {
	_, rest, ok := bytes.Cut(feed, []byte("<updated>"))
	if !ok {
		return time.Time{}
	}
	val, _, ok := bytes.Cut(rest, []byte("</updated>"))
	if !ok {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339, string(val))
	return t
}

func (h *handler) archiveRedact(w http.ResponseWriter, r *http.Request) {
	name, seq, ok := h.messagePath(w, r)
	if !ok {
		return
	}
	v := h.viewer(r)
	reason, ok := parseRedactForm(r)
	if !ok {
		h.message(w, r, http.StatusBadRequest, h.t(r, "archive.reason_long_title"), h.t(r, "archive.reason_long"))
		return
	}
	err := h.o.Core.RedactMessage(r.Context(), v.Actor(), name, seq, reason)
	switch {
	case err == nil:
		h.page(w, r, http.StatusOK, "message", map[string]any{"Title": h.t(r, "archive.removed_title"), "Viewer": v.Address,
			"Message": h.t(r, "archive.removed", seq, name),
			"Back":    "/lists/" + name + "/archive"})
	case errors.Is(err, listserv.ErrNotFound), errors.Is(err, listserv.ErrNoMessage):
		h.notFound(w, r)
	case errors.Is(err, listserv.ErrForbidden):
		h.message(w, r, http.StatusForbidden, h.t(r, "page.not_possible"), h.t(r, "archive.owners_only"))
	default:
		h.fail(w, r, err)
	}
}

// textBlock is a block of a post's text as the page shows it.
type textBlock struct {
	Quote, Sig bool
	Lines      []listserv.TextLine
}

func pageBlocks(in []listserv.TextBlock) []textBlock {
	out := make([]textBlock, len(in))
	for i, b := range in {
		out[i] = textBlock{Quote: b.Kind == listserv.BlockQuote, Sig: b.Kind == listserv.BlockSignature, Lines: b.Lines}
	}
	return out
}

// humanSize writes a byte count for people.
func humanSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+512)>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
