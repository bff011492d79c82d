// Package web is the HTTP face of the list server: the directory of
// lists, list pages and join forms, sign-in by mail, a person's own page
// (/me), confirmation and one-click unsubscribe links (RFC 8058), health
// and metrics. It is a thin adapter: it reads forms, asks the domain
// (the Core interface) and renders what it answers. Every decision about
// who may see or change what is made by the domain, from the Actor the
// adapter passes.
//
// # Helpers for every page (reuse them for new pages)
//
//   - Handler wraps every route in secure: security headers (a strict
//     Content-Security-Policy without inline script or style), a body
//     size limit, and http.CrossOriginProtection, which refuses
//     cross-site POSTs (with SameSite=Lax session cookies as a second
//     line).
//   - h.viewer(r) is the signed-in person (Viewer) from the session
//     cookie, and Viewer.Actor() the listserv.Actor to pass to the domain
//     (a site admin when named in Options.Admins).
//   - h.page(w, r, status, name, data) renders pages/NAME.html inside the
//     layout ("top" and "bottom" in layout.html). It adds Site (the
//     domain) and Viewer to data; data["Title"] is the heading.
//   - h.notFound, h.message and h.fail are the error pages: notFound is
//     the one answer for a list that does not exist and for one the
//     viewer may not know of (never a 403 that would confirm it exists).
//   - h.limit(w, r, keys...) applies the rate limits of forms that send
//     mail (per client address and per target address).
//   - listName and the fuzzed form parsers check every path parameter and
//     field before the domain sees it.
//
// Pages change nothing on GET; only POST acts, so link scanners in mail
// filters cannot confirm, sign in or unsubscribe anyone. Texts live in
// pages/*.html; an owner replaces any of them by putting a file of the
// same name in DATA_DIR/templates/web/ (read at start).
package web

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"minyan/digest"
	"minyan/listserv"
	"minyan/listserv/i18n"
	"minyan/store"
)

//go:embed pages/*.html pages/*.css
var pageFS embed.FS

// Options wire the handler.
type Options struct {
	Core     Core
	Gatherer prometheus.Gatherer
	Logger   *slog.Logger
	// PublicURL is how people reach these pages (server.public_url):
	// cookies are Secure when it is https, and feed links start with it.
	PublicURL string
	// Admins are the site admins' addresses ([web] admins).
	Admins []string
	// TemplateDir is DATA_DIR/templates; pages in its web/ folder
	// replace the built-in ones of the same name.
	TemplateDir string
	// Now is the clock of the rate limits; nil is time.Now.
	Now func() time.Time
	// Archive serves the web archive, search and resource hub
	// ([web] archive).
	Archive bool
	// Limits are the rate limits of the forms that send mail; zero
	// values take DefaultLimits.
	Limits Limits
	// People serves /me/profile, /people and the introductions' links
	// (people.go); nil leaves them out.
	People PeopleCore
	// TrustedProxies are reverse proxies whose X-Forwarded-For names the
	// client ([web] trusted_proxies; see proxy.go).
	TrustedProxies []netip.Prefix
	// Counter keeps the rate limits' counts where a restart does not
	// reset them (the store); nil keeps them in memory.
	Counter FormCounter
	// Certificates serves /me/certificates/LIST/ID.pdf; nil leaves it
	// out.
	Certificates CertificateCore
}

// FormCounter counts uses of a form that sends mail (listserv's
// AllowFormUse).
type FormCounter interface {
	AllowFormUse(key string, max int, per time.Duration) (bool, error)
}

// Limits bound how often the forms that send mail (join, sign-in) may be
// used: per client IP address, and per target email address, so nobody
// can mail-bomb an address through them.
type Limits struct {
	PerClient, PerAddress int
	Window                time.Duration
}

// DefaultLimits: 10 requests per client and 3 per address in 15 minutes.
var DefaultLimits = Limits{PerClient: 10, PerAddress: 3, Window: 15 * time.Minute}

// cookieName is the session cookie.
const cookieName = "minyan_session"

// Handler returns the HTTP handler.
func Handler(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Limits.Window == 0 {
		o.Limits = DefaultLimits
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	h := &handler{o: o, d: doorsOf(o.Core), pages: loadPageSet(o.TemplateDir, o.Logger), limiter: newLimiter(o.Now), loginSlots: make(chan struct{}, loginsAtOnce)}
	for _, a := range o.Admins {
		h.admins = append(h.admins, listserv.NormalizeAddress(a))
	}
	css, _ := pageFS.ReadFile("pages/style.css")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /static/style.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Write(css)
	})
	mux.HandleFunc("GET /favicon.ico", faviconHandler())
	if o.Archive {
		h.archiveRoutes(mux)
	}
	mux.HandleFunc("GET /u/{token}", h.unsubscribePage)
	mux.HandleFunc("POST /u/{token}", h.unsubscribe)
	mux.HandleFunc("GET /confirm/{token}", h.confirmPage)
	mux.HandleFunc("POST /confirm/{token}", h.confirm)
	mux.HandleFunc("GET /healthz", h.healthz)
	mux.HandleFunc("POST /lang", h.setLang)
	if o.Gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{}))
	}
	mux.HandleFunc("GET /{$}", h.directory)
	mux.HandleFunc("GET /lists/{name}", h.listPage)
	mux.HandleFunc("POST /lists/{name}/join", h.join)
	mux.HandleFunc("GET /login", h.loginPage)
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("GET /login/{token}", h.loginConfirmPage)
	mux.HandleFunc("POST /login/{token}", h.loginConfirm)
	mux.HandleFunc("POST /logout", h.logout)
	mux.HandleFunc("GET /me", h.me)
	mux.HandleFunc("POST /me/lists/{name}", h.meList)
	mux.HandleFunc("POST /me/join", h.meJoin)
	mux.HandleFunc("POST /me/rsvp", h.meRSVP)
	mux.HandleFunc("POST /me/password", h.mePassword)
	mux.HandleFunc("POST /me/calendar", h.meCalendar)
	mux.HandleFunc("GET /me/calendar.ics", h.calendarFeed)
	h.volumeRoutes(mux)
	if o.Certificates != nil {
		h.certificateRoutes(mux)
	}
	if o.People != nil {
		h.peopleRoutes(mux)
	}
	h.consoleRoutes(mux)
	h.consoleModRoutes(mux)
	h.alertRoutes(mux)
	h.orgRoutes(mux)
	h.postRoutes(mux)
	mux.HandleFunc("/", h.notFoundOrMoved)
	return behindProxies(o.TrustedProxies, secure(mux, h))
}

type handler struct {
	o       Options
	d       doors
	pages   pageSet
	admins  []string
	limiter *limiter
	// loginSlots holds one token per sign-in mail being prepared.
	loginSlots chan struct{}
	rend       renderer
}

// csp allows only this site's own style sheet, forms and links: no
// script at all, no inline style, no frames.
const csp = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// secure adds the security headers and the cross-site POST refusal to
// every route. One-click unsubscribe (RFC 8058) is posted by mail
// providers' servers with a token in the path, so it is exempt from the
// cross-origin check.
func secure(next http.Handler, h *handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern("POST /u/{token}")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.o.Logger.Warn("cross-site request refused", "path", logPath(r), "origin", r.Header.Get("Origin"), "client", clientIP(r))
		h.message(w, r, http.StatusForbidden, h.t(r, "page.cross_site_title"), h.t(r, "page.cross_site"))
	}))
	inner := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("X-Frame-Options", "DENY")
		limit := int64(64 << 10)
		if n, ok := consoleBodyLimit(r.Method, r.URL.Path); ok {
			limit = n
		} else if n, ok := postBodyLimit(r.Method, r.URL.Path); ok {
			limit = n
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		inner.ServeHTTP(w, r)
	})
}

// funcs are the pages' functions that do not depend on the language;
// the names of kinds, policies and states are written per language by
// pageFuncs.
var funcs = template.FuncMap{
	"canChange": func(s listserv.Status) bool {
		return s != listserv.StatusBanned && s != listserv.StatusPending
	},
}

// builtinPages is the embedded pages of one language, parsed once per
// process: every web server of the process (a test binary starts more
// than a hundred) shares them instead of parsing some sixty pages in
// three languages again. Both templates are immutable once made:
// pristine is never executed, so an owner's replacements can be added to
// a Clone of it (html/template refuses to clone a set that has run);
// shared is a clone of it that the servers without replacements execute
// side by side (html/template escapes a set once, under its own lock).
type builtinPages struct {
	pristine, shared *template.Template
}

// builtinPagesOf returns the embedded pages of language l, parsed the
// first time l is asked for and never changed after (the once is what
// makes sharing them safe); English's for a language minyan does not
// speak.
var builtinPagesOf = i18n.PerLang(func(l i18n.Lang) builtinPages {
	t := template.Must(template.New("").Funcs(pageFuncs(l)).ParseFS(pageFS, "pages/*.html"))
	return builtinPages{pristine: t, shared: template.Must(t.Clone())}
})

// loadPages returns the built-in pages of language l with the owner's
// replacements (overrideFiles) added. A replacement that does not parse
// is logged and left out, so a typo never takes the site down. Without
// a replacement it returns the set every server of the process shares.
func loadPages(dir string, l i18n.Lang, log *slog.Logger) *template.Template {
	b := builtinPagesOf(l)
	if dir == "" {
		return b.shared
	}
	t := b.pristine
	for _, f := range overrideFiles(dir, l) {
		src, err := readOverride(f)
		if err != nil {
			log.Error("page override unreadable; using the built-in page", "file", f, "err", err)
			continue
		}
		try := template.Must(t.Clone())
		if _, err := try.New(filepath.Base(f)).Parse(src); err != nil {
			log.Error("page override is broken; using the built-in page", "file", f, "err", err)
			continue
		}
		t = try
		log.Info("page override loaded", "file", f, "lang", l)
	}
	if t == b.pristine {
		return b.shared
	}
	return t
}

// Viewer is the person signed in on a request ("" for nobody).
type Viewer struct {
	Address   string
	SiteAdmin bool
	sid       string
}

// Actor is how the viewer asks the domain for something.
func (v Viewer) Actor() listserv.Actor {
	a := listserv.Person(v.Address, listserv.DoorWeb)
	a.SiteAdmin = v.SiteAdmin
	return a
}

// viewer returns the signed-in person from the session cookie.
func (h *handler) viewer(r *http.Request) Viewer {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return Viewer{}
	}
	addr, ok := h.d.site.SessionAddress(c.Value)
	if !ok {
		return Viewer{}
	}
	v := Viewer{Address: addr, SiteAdmin: slices.Contains(h.admins, addr), sid: c.Value}
	// A person marked admin in the store is a site admin too; the
	// domain says so.
	v.SiteAdmin = v.SiteAdmin || h.d.site.IsSiteAdmin(listserv.Person(addr, listserv.DoorWeb))
	return v
}

// page renders pages/NAME.html in the layout.
func (h *handler) page(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	data["Site"] = h.d.site.Domain()
	data["ArchiveOn"] = h.o.Archive
	if _, ok := data["Viewer"]; !ok {
		data["Viewer"] = h.viewer(r).Address
	}
	// Site admins get a link to /admin in the header.
	if vv, _ := data["Viewer"].(string); vv != "" {
		if _, ok := data["SiteAdmin"]; !ok {
			data["SiteAdmin"] = h.viewer(r).SiteAdmin
		}
	}
	vv, _ := data["Viewer"].(string)
	if _, ok := data["ViewerZone"]; !ok {
		data["ViewerZone"], data["OwnZone"] = h.zone(r, vv), h.ownZone(vv)
	}
	if _, ok := data["Path"]; !ok {
		data["Path"] = backPath(r)
	}
	// A page reached by a link in a mail (confirm, unsubscribe, mute)
	// speaks the language of the person the link is for.
	who := vv
	if a, ok := data["LangFor"].(string); ok && who == "" {
		who = a
	}
	b, err := h.render(h.pageLang(r, who), name, data)
	if err != nil {
		h.o.Logger.Error("render page", "page", name, "err", err)
	}
	send(w, status, b.Bytes())
	h.rend.release(b)
}

// message is a page with a heading and one sentence.
func (h *handler) message(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	h.page(w, r, status, "message", map[string]any{"Title": title, "Message": msg, "Back": ""})
}

// notFound is the one answer for a missing page or list, and for a list
// the viewer may not know of.
func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, http.StatusNotFound, "message", map[string]any{"Title": h.t(r, "page.not_found_title"),
		"Message": h.t(r, "page.not_found"), "Back": "/", "Path": "/"})
}

// fail answers a domain error: ErrNotFound as notFound, other domain
// refusals with their sentence, and anything else as a server problem
// (logged, never shown).
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, listserv.ErrNotFound):
		h.notFound(w, r)
	case errors.Is(err, listserv.ErrForbidden), errors.Is(err, listserv.ErrNotMember), errors.Is(err, digest.ErrSessionClosed):
		h.message(w, r, http.StatusForbidden, h.t(r, "page.not_possible"), sentence(err.Error()))
	default:
		h.o.Logger.Error("web request failed", "path", logPath(r), "err", err)
		h.message(w, r, http.StatusInternalServerError, h.t(r, "page.oops_title"), h.t(r, "page.oops"))
	}
}

func sentence(s string) string {
	if s == "" {
		return s
	}
	// The first letter, not the first byte: a Hebrew or Spanish reason
	// starts with a letter of several bytes.
	first, size := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(first)) + s[size:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// signedIn returns the viewer, or sends them to sign in.
func (h *handler) signedIn(w http.ResponseWriter, r *http.Request) (Viewer, bool) {
	v := h.viewer(r)
	if v.Address == "" {
		if r.Method == http.MethodGet {
			h.toSignIn(w, r)
		} else {
			h.message(w, r, http.StatusUnauthorized, h.t(r, "page.sign_in_title"), h.t(r, "page.sign_in"))
		}
		return v, false
	}
	return v, true
}

// signedInOnList reads the signed-in viewer and the list name of a page
// under /lists/NAME/ that needs a sign-in; when either is missing it has
// answered already and ok is false.
func (h *handler) signedInOnList(w http.ResponseWriter, r *http.Request) (v Viewer, name string, ok bool) {
	if v, ok = h.signedIn(w, r); !ok {
		return v, "", false
	}
	if name, ok = listName(r.PathValue("name")); !ok {
		h.notFound(w, r)
	}
	return v, name, ok
}

// toSignIn sends a visitor who is not signed in to the sign-in form,
// which brings them back to this page once the mailed link is used.
func (h *handler) toSignIn(w http.ResponseWriter, r *http.Request) {
	to := "/login"
	if next := listserv.SafeNext(r.URL.RequestURI()); next != "" {
		to += "?next=" + url.QueryEscape(next)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// hiddenOrSignIn answers a page of list NAME that the domain would not
// show: a visitor who is not signed in, asking with GET for a list
// whose existence is public (the domain shows its page to anyone), is
// sent to sign in and back; everyone else, and every list the domain
// hides (a caucus, a missing list), gets "Page not found".
//
// For an archive page (archive true), only when the list keeps an
// archive: signing in cannot show one that is off.
func (h *handler) hiddenOrSignIn(w http.ResponseWriter, r *http.Request, archive bool) {
	name, ok := listName(r.PathValue("name"))
	// A feed reader cannot sign in: it gets the plain answer.
	feed := strings.HasSuffix(r.URL.Path, ".atom")
	if ok && !feed && (r.Method == http.MethodGet || r.Method == http.MethodHead) && h.viewer(r).Address == "" {
		lv, err := h.d.directory.ListPage(r.Context(), listserv.Actor{Door: listserv.DoorWeb}, name)
		if err == nil && (!archive || lv.Archive != store.ArchiveOff) {
			h.toSignIn(w, r)
			return
		}
	}
	h.notFound(w, r)
}

// logPath is the request's path for the log, without the secret of a
// sign-in, confirmation or unsubscribe link (whoever reads the log must
// not be able to use them).
func logPath(r *http.Request) string {
	for _, pre := range []string{"/login/", "/confirm/", "/u/", "/intros/not-now/"} {
		if strings.HasPrefix(r.URL.Path, pre) {
			return pre + "…"
		}
	}
	return r.URL.Path
}

// clientIP is the client's address for rate limits.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientKey is who a rate limit counts: the client's IPv4 address, or
// the /64 of an IPv6 one (a single customer network holds a whole /64).
func clientKey(r *http.Request) string {
	ip := net.ParseIP(clientIP(r))
	if ip == nil || ip.To4() != nil {
		return clientIP(r)
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// allowed counts a form use against the client and each target key. A
// client over its limit is refused before its targets are counted, so
// a flood from one client cannot fill the limiter with target keys.
func (h *handler) allowed(r *http.Request, what string, targets ...string) bool {
	l := h.o.Limits
	if !h.allow(what+"|ip|"+clientKey(r), l.PerClient, l.Window) {
		return false
	}
	ok := true
	for _, t := range targets {
		ok = h.allow(what+"|to|"+t, l.PerAddress, l.Window) && ok
	}
	return ok
}

// allow counts one use under key: in the store when there is a Counter
// (falling back to memory if the store cannot count), else in memory.
func (h *handler) allow(key string, max int, per time.Duration) bool {
	if h.o.Counter != nil {
		ok, err := h.o.Counter.AllowFormUse(key, max, per)
		if err == nil {
			return ok
		}
		h.o.Logger.Error("rate limit: counting in memory", "err", err)
	}
	return h.limiter.allow(key, max, per)
}

// limit counts a form use against the client's address and each target
// key; over a limit it answers 429 and returns false.
func (h *handler) limit(w http.ResponseWriter, r *http.Request, what string, targets ...string) bool {
	l := h.o.Limits
	ok := h.allowed(r, what, targets...)
	if !ok {
		h.o.Logger.Warn("rate limit", "form", what, "client", clientIP(r))
		w.Header().Set("Retry-After", strconv.Itoa(int(l.Window.Seconds())))
		h.message(w, r, http.StatusTooManyRequests, h.t(r, "page.wait_title"), h.t(r, "page.wait"))
	}
	return ok
}

func (h *handler) directory(w http.ResponseWriter, r *http.Request) {
	v := h.viewer(r)
	lists, err := h.d.directory.Directory(r.Context(), v.Actor())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// The page depends only on the cards, the viewer and the language:
	// keep it rendered.
	l := h.pageLang(r, v.Address)
	key := string(l) + "\x00" + directoryKey(v.Address, lists)
	if page, ok := h.rend.cachedDirectory(key); ok {
		send(w, http.StatusOK, page)
		return
	}
	data := map[string]any{"Title": i18n.Builtin().T(l, "directory.title"), "Lists": lists, "Viewer": v.Address, "Site": h.d.site.Domain(), "Path": "/", "ArchiveOn": h.o.Archive}
	b, err := h.render(l, "directory", data)
	if err != nil {
		h.rend.release(b)
		h.fail(w, r, err)
		return
	}
	page := bytes.Clone(b.Bytes())
	h.rend.release(b)
	h.rend.keepDirectory(key, page)
	send(w, http.StatusOK, page)
}

func (h *handler) listPage(w http.ResponseWriter, r *http.Request) {
	name, ok := listName(r.PathValue("name"))
	if !ok {
		h.notFound(w, r)
		return
	}
	v := h.viewer(r)
	lv, err := h.d.directory.ListPage(r.Context(), v.Actor(), name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	tzName, loc := parseZone(r.URL.Query().Get("tz"))
	sessions, err := h.d.directory.ListSessions(r.Context(), v.Actor(), name, loc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, http.StatusOK, "list", map[string]any{"Title": lv.Title, "List": lv, "Sessions": sessions,
		"CanArchive": lv.CanReadArchive && h.o.Archive, "CanManage": lv.CanManage, "TZ": tzName, "Viewer": v.Address})
}

func (h *handler) join(w http.ResponseWriter, r *http.Request) {
	name, ok := listName(r.PathValue("name"))
	if !ok {
		h.notFound(w, r)
		return
	}
	v := h.viewer(r)
	lv, err := h.d.directory.ListPage(r.Context(), v.Actor(), name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, err := parseJoinForm(r)
	if err != nil {
		h.page(w, r, http.StatusBadRequest, "message", map[string]any{"Title": h.t(r, "page.check_address"),
			"Message": sentence(err.Error()), "Back": "/lists/" + name + "#join", "Viewer": v.Address})
		return
	}
	if !h.limit(w, r, "join", f.Email) {
		return
	}
	answer, err := h.d.directory.SelfJoin(r.Context(), v.Actor(), name, f.Email, f.Name)
	if errors.Is(err, listserv.ErrBadAddress) {
		h.page(w, r, http.StatusBadRequest, "message", map[string]any{"Title": h.t(r, "page.check_address"),
			"Message": sentence(err.Error()), "Back": "/lists/" + name + "#join", "Viewer": v.Address})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, http.StatusOK, "joined", map[string]any{"Title": h.t(r, "joined.title"), "List": lv, "Address": f.Email,
		"Answer": answer, "Viewer": v.Address})
}

func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, http.StatusOK, "login", map[string]any{"Title": h.t(r, "login.title"), "Address": "", "Next": listserv.SafeNext(r.URL.Query().Get("next"))})
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	addr, err := parseEmailForm(r)
	next := listserv.SafeNext(r.PostForm.Get("next"))
	if err != nil {
		h.page(w, r, http.StatusBadRequest, "login", map[string]any{"Title": h.t(r, "login.title"), "Problem": sentence(err.Error()), "Address": "", "Next": next})
		return
	}
	if !h.limit(w, r, "login", addr) {
		return
	}
	// The mail is prepared after the answer, for every address alike:
	// a known address's path writes the store and queues a mail, an
	// unknown one's does neither, and an answer that waited for it would
	// tell them apart by its time. A bounded number are prepared at once;
	// past that everyone is asked to try again, known or not.
	select {
	case h.loginSlots <- struct{}{}:
	default:
		w.Header().Set("Retry-After", "60")
		h.message(w, r, http.StatusServiceUnavailable, h.t(r, "page.wait_title"), h.t(r, "login_go.busy"))
		return
	}
	go func() {
		defer func() { <-h.loginSlots }()
		if err := h.d.login.StartLogin(addr, next); err != nil && !errors.Is(err, listserv.ErrBadAddress) {
			h.o.Logger.Error("sign-in link not sent", "err", err)
		}
	}()
	h.page(w, r, http.StatusOK, "login-sent", map[string]any{"Title": h.t(r, "login_sent.title"), "Address": addr})
}

// loginsAtOnce bounds the sign-in mails being prepared at once.
const loginsAtOnce = 32

func (h *handler) badLoginLink(w http.ResponseWriter, r *http.Request) {
	h.page(w, r, http.StatusNotFound, "message", map[string]any{"Title": h.t(r, "page.bad_link_title"),
		"Message": h.t(r, "page.bad_link"), "Back": "/login"})
}

func (h *handler) loginConfirmPage(w http.ResponseWriter, r *http.Request) {
	tok, ok := token(r.PathValue("token"))
	addr, valid := h.d.login.LoginAddress(tok)
	if !ok || !valid {
		h.badLoginLink(w, r)
		return
	}
	h.page(w, r, http.StatusOK, "login-confirm", map[string]any{"Title": h.t(r, "login.title"), "Address": addr})
}

func (h *handler) loginConfirm(w http.ResponseWriter, r *http.Request) {
	tok, ok := token(r.PathValue("token"))
	if !ok {
		h.badLoginLink(w, r)
		return
	}
	endOthers := false
	if err := r.ParseForm(); err == nil {
		endOthers = r.PostForm.Get("others") == "end"
	}
	sid, _, next, err := h.d.login.FinishLogin(tok, endOthers)
	if errors.Is(err, listserv.ErrBadLogin) {
		h.badLoginLink(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.setSession(w, sid, listserv.SessionTTL)
	if next == "" {
		next = "/me"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (h *handler) setSession(w http.ResponseWriter, sid string, ttl time.Duration) {
	c := &http.Cookie{Name: cookieName, Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(h.o.PublicURL, "https://"), MaxAge: int(ttl.Seconds())}
	if sid == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	v := h.viewer(r)
	everywhere := false
	if err := r.ParseForm(); err == nil {
		everywhere = r.PostForm.Get("everywhere") == "1"
	}
	if v.sid != "" {
		if err := h.d.login.Logout(v.sid, everywhere); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.setSession(w, "", 0)
	h.page(w, r, http.StatusOK, "message", map[string]any{"Title": h.t(r, "page.signed_out_title"), "Viewer": "",
		"Message": h.t(r, "page.signed_out"), "Back": "/"})
}

func (h *handler) me(w http.ResponseWriter, r *http.Request) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	h.renderMe(w, r, v, http.StatusOK, "", "")
}

func (h *handler) renderMe(w http.ResponseWriter, r *http.Request, v Viewer, status int, notice, problem string) {
	a := v.Actor()
	mine, err := h.d.me.SelfLists(r.Context(), a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sessions, err := h.d.me.MySessions(r.Context(), a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	partners, err := h.d.me.MyPartners(r.Context(), a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	dir, err := h.d.directory.Directory(r.Context(), a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	on := map[string]bool{}
	for _, m := range mine {
		on[m.Name] = true
	}
	var joinable []listserv.ListCard
	for _, l := range dir {
		if !on[l.Name] && l.Subscribe != listserv.SubscribeClosed {
			joinable = append(joinable, l)
		}
	}
	orgs, err := h.o.Core.MyOrgs(r.Context(), a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var calMade time.Time
	if t, ok := h.d.calendar.CalendarKeyMade(r.Context(), a); ok {
		calMade = t
	}
	data := map[string]any{"Title": h.t(r, "me.title"), "Viewer": v.Address, "Mine": mine, "Sessions": sessions,
		"Partners": partners, "Joinable": joinable, "CalMade": calMade, "Notice": notice, "Problem": problem, "Orgs": orgs}
	if err := h.meVolumeData(r, v, data); err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, status, "me", data)
}

func (h *handler) meList(w http.ResponseWriter, r *http.Request) {
	v, name, ok := h.signedInOnList(w, r)
	if !ok {
		return
	}
	f, err := parseMemberForm(r)
	if err != nil {
		h.renderMe(w, r, v, http.StatusBadRequest, "", sentence(err.Error()))
		return
	}
	if f.Leave {
		answer, err := h.d.me.SelfLeave(r.Context(), v.Actor(), name)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.renderMe(w, r, v, http.StatusOK, answer, "")
		return
	}
	if err := h.d.me.SelfSetMode(r.Context(), v.Actor(), name, string(f.Mode)); err != nil {
		h.fail(w, r, err)
		return
	}
	topics, problem, err := h.saveVolume(r, v, name)
	if err != nil || problem != "" {
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.renderMe(w, r, v, http.StatusBadRequest, "", problem)
		return
	}
	h.renderMe(w, r, v, http.StatusOK, strings.TrimSpace(h.t(r, "me.saved", h.t(r, modeSentence(f.Mode)))+" "+topics), "")
}

// modeSentence is the catalogue key of the sentence that says what a
// delivery mode means.
func modeSentence(mode listserv.Mode) string {
	switch mode {
	case listserv.ModeDigest:
		return "me.mode_saved_digest"
	case listserv.ModeNomail:
		return "me.mode_saved_nomail"
	}
	return "me.mode_saved_each"
}

func (h *handler) meJoin(w http.ResponseWriter, r *http.Request) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		h.renderMe(w, r, v, http.StatusBadRequest, "", h.t(r, "me_go.unreadable"))
		return
	}
	name, ok := listName(r.PostForm.Get("list"))
	if !ok {
		h.notFound(w, r)
		return
	}
	answer, err := h.d.directory.SelfJoin(r.Context(), v.Actor(), name, v.Address, "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderMe(w, r, v, http.StatusOK, answer, "")
}

func (h *handler) meRSVP(w http.ResponseWriter, r *http.Request) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	f, err := parseRSVPForm(r)
	if err != nil {
		h.renderMe(w, r, v, http.StatusBadRequest, "", sentence(err.Error()))
		return
	}
	out, err := h.d.me.RSVP(r.Context(), v.Actor(), f.List, f.Session, f.Answer, f.Answers)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderMe(w, r, v, http.StatusOK, out.Sentence(), "")
}

func (h *handler) mePassword(w http.ResponseWriter, r *http.Request) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	pw, server, err := h.d.me.SelfAppPassword(r.Context(), v.Actor())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	host, port, err := net.SplitHostPort(server)
	if err != nil {
		host, port = server, "143"
	}
	h.page(w, r, http.StatusOK, "password", map[string]any{"Title": h.t(r, "password_page.title"), "Viewer": v.Address,
		"Password": pw, "Host": host, "Port": port})
}

func (h *handler) meCalendar(w http.ResponseWriter, r *http.Request) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	key, err := h.d.calendar.NewCalendarKey(r.Context(), v.Actor())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.page(w, r, http.StatusOK, "calendar", map[string]any{"Title": h.t(r, "calendar_page.title"), "Viewer": v.Address,
		"URL": h.o.PublicURL + "/me/calendar.ics?key=" + key})
}

func (h *handler) calendarFeed(w http.ResponseWriter, r *http.Request) {
	key, ok := token(r.URL.Query().Get("key"))
	addr, known := h.d.calendar.CalendarOwner(key)
	if !ok || !known {
		h.page(w, r, http.StatusNotFound, "message", map[string]any{"Title": h.t(r, "page.bad_link_title"), "Viewer": "",
			"Message": h.t(r, "calendar_page.bad_link"), "Back": "/me"})
		return
	}
	ics, err := h.d.calendar.CalendarFeed(addr)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=900")
	w.Write(ics)
}

func (h *handler) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	list, addr, ok := h.d.tokens.UnsubscribeInfo(r.PathValue("token"))
	if !ok {
		h.page(w, r, http.StatusNotFound, "invalid", map[string]any{"Title": h.t(r, "page.bad_link_title"),
			"Message": h.t(r, "unsubscribe.bad_link")})
		return
	}
	d := h.d.site.Domain()
	h.page(w, r, http.StatusOK, "unsubscribe", map[string]any{"Title": h.tFor(r, addr, "unsubscribe.title"), "List": list + "@" + d, "Address": addr,
		"Request": list + "-request@" + d, "Owner": list + "-owner@" + d, "LangFor": addr})
}

// unsubscribe acts on RFC 8058 one-click POSTs (List-Unsubscribe=One-Click
// in the form body, urlencoded or multipart) and on the button of the GET
// page, which sends the same field.
func (h *handler) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if err := oneClickRequested(r); err != nil {
		h.page(w, r, http.StatusBadRequest, "invalid", map[string]any{"Title": h.t(r, "page.not_understood"),
			"Message": h.t(r, "unsubscribe.not_one_click")})
		return
	}
	list, addr, err := h.d.tokens.Unsubscribe(r.PathValue("token"))
	if err != nil {
		h.page(w, r, http.StatusNotFound, "invalid", map[string]any{"Title": h.t(r, "page.bad_link_title"), "Message": err.Error()})
		return
	}
	h.page(w, r, http.StatusOK, "unsubscribed", map[string]any{"Title": h.tFor(r, addr, "unsubscribe.done_title"),
		"List": list + "@" + h.d.site.Domain(), "Address": addr, "Join": list + "-join@" + h.d.site.Domain(), "LangFor": addr})
}

func (h *handler) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := h.d.site.Healthy(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("unhealthy: " + err.Error() + "\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

// confirmTitles are the page titles of a join and a leave confirmation;
// other confirmations (of an email command) share one.
var confirmTitles = map[string]string{listserv.ConfirmActionJoin: "confirm.title_join", listserv.ConfirmActionLeave: "confirm.title_leave"}

func (h *handler) confirmPage(w http.ResponseWriter, r *http.Request) {
	action, list, addr, ok := h.d.tokens.ConfirmInfo(r.PathValue("token"))
	if !ok {
		h.page(w, r, http.StatusNotFound, "invalid", map[string]any{"Title": h.t(r, "page.bad_link_title"),
			"Message": h.t(r, "confirm.bad_link")})
		return
	}
	key, named := confirmTitles[action]
	if !named {
		key = "confirm.title_change"
	}
	title := h.tFor(r, addr, key)
	h.page(w, r, http.StatusOK, "confirm", map[string]any{"Title": title, "Action": action,
		"List": list + "@" + h.d.site.Domain(), "Address": addr, "LangFor": addr})
}

// confirm acts only on POST, so mail scanners that open links cannot
// confirm anything.
func (h *handler) confirm(w http.ResponseWriter, r *http.Request) {
	msg, err := h.d.tokens.Confirm(r.Context(), r.PathValue("token"))
	if err != nil {
		h.page(w, r, http.StatusNotFound, "invalid", map[string]any{"Title": h.t(r, "page.bad_link_title"), "Message": err.Error()})
		return
	}
	h.page(w, r, http.StatusOK, "confirmed", map[string]any{"Title": h.t(r, "confirm.done_title"), "Message": msg})
}
