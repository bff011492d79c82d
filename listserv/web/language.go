package web

import (
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"minyan/listserv"
	"minyan/listserv/i18n"
	"minyan/store"
)

// The language of a page: the language switch in the footer (a cookie,
// this browser's explicit choice), else the signed-in person's own lang
// (their profile), else the browser's Accept-Language, else English.

// langCookie keeps the language chosen with the footer's switch.
const langCookie = "minyan_lang"

// LangCore is what pages need to write in a person's language: the lang
// they chose in their profile ("" for none). The domain's Service has
// it; a Core without it gets pages in the browser's language.
type LangCore interface {
	PersonLang(addr string) listserv.Lang
}

// pageLang is the language of the page for request r seen by viewer.
func (h *handler) pageLang(r *http.Request, viewer string) i18n.Lang {
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := i18n.Parse(c.Value); ok {
			return l
		}
	}
	if viewer != "" {
		if lc, ok := h.o.Core.(LangCore); ok {
			if l, ok := i18n.Parse(string(lc.PersonLang(viewer))); ok {
				return l
			}
		}
	}
	return i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
}

// lang is the language of the page for r, looking up the viewer.
func (h *handler) lang(r *http.Request) i18n.Lang {
	return h.pageLang(r, h.viewer(r).Address)
}

// t is the catalogue text key in the language of the page for r: for
// titles and sentences the handlers put in a page's data.
func (h *handler) t(r *http.Request, key string, args ...any) string {
	return i18n.Builtin().T(h.lang(r), key, args...)
}

// tFor is t for a page about addr reached by a link in a mail (no one
// need be signed in): in addr's own language when no one is.
func (h *handler) tFor(r *http.Request, addr, key string, args ...any) string {
	who := h.viewer(r).Address
	if who == "" {
		who = addr
	}
	return i18n.Builtin().T(h.pageLang(r, who), key, args...)
}

// setLang is the footer's language switch: it keeps the choice in a
// cookie for a year and sends the visitor back to the page they were on
// (a path on this site only, never another site).
func (h *handler) setLang(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.notFound(w, r)
		return
	}
	l, ok := i18n.Parse(r.PostForm.Get("lang"))
	if !ok {
		h.message(w, r, http.StatusBadRequest, h.t(r, "lang.bad_title"), h.t(r, "lang.bad"))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: strings.HasPrefix(h.o.PublicURL, "https://"), MaxAge: 365 * 24 * 3600})
	http.Redirect(w, r, localPath(r.PostForm.Get("back")), http.StatusSeeOther)
}

// localPath is back when it is a path on this site, else "/".
func localPath(back string) string {
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.ContainsAny(back, "\\\r\n") {
		return "/"
	}
	return back
}

// pageSet is the pages of each language, each with its language's
// template functions, parsed the first time that language is asked for.
type pageSet map[i18n.Lang]func() *template.Template

// get returns the pages of language l (English for an unknown one).
func (p pageSet) get(l i18n.Lang) *template.Template {
	if t, ok := p[l]; ok {
		return t()
	}
	return p[i18n.English]()
}

// loadPageSet parses the pages for every language: the built-in ones,
// then the owner's replacements for every language in DIR/web/*.html,
// then those for one language in DIR/web/LANG/*.html. With replacements
// (dir set), every language is loaded now, so a broken or unreadable
// replacement is logged when minyan starts; without, a language's pages
// are parsed when a page is first shown in it (a daemon whose readers
// all read English never parses the others).
func loadPageSet(dir string, log *slog.Logger) pageSet {
	ps := pageSet{}
	for _, l := range i18n.Langs {
		if dir == "" {
			ps[l] = func() *template.Template { return builtinPagesOf(l).shared }
			continue
		}
		t := loadPages(dir, l, log)
		ps[l] = func() *template.Template { return t }
	}
	return ps
}

// pageFuncs are the functions of the pages in language l.
func pageFuncs(l i18n.Lang) template.FuncMap {
	f := template.FuncMap{}
	for k, v := range funcs {
		f[k] = v
	}
	cat := i18n.Builtin()
	for k, v := range cat.Funcs(l) {
		f[k] = v
	}
	zoneFuncs(l, f)
	// th is t for a sentence with markup in its arguments: the text is
	// escaped, and arguments made with strong or bdi keep their tags.
	f["th"] = func(key string, args ...any) template.HTML {
		esc := make([]any, len(args))
		for i, a := range args {
			if h, ok := a.(template.HTML); ok {
				esc[i] = string(h)
			} else {
				esc[i] = template.HTMLEscapeString(fmt.Sprint(a))
			}
		}
		return template.HTML(cat.T(l, key, esc...)) //nolint:gosec // the catalogue's own text, every argument escaped above
	}
	// strong and bdi wrap someone's words (an address, a list's name) so
	// they stand out and keep their own direction inside a sentence.
	f["strong"] = func(v any) template.HTML {
		return template.HTML("<strong><bdi>" + template.HTMLEscapeString(fmt.Sprint(v)) + "</bdi></strong>") //nolint:gosec // escaped
	}
	f["bdi"] = func(v any) template.HTML {
		return template.HTML("<bdi>" + template.HTMLEscapeString(fmt.Sprint(v)) + "</bdi>") //nolint:gosec // escaped
	}
	// The names of kinds, policies and states, in the page's language.
	f["kindName"] = func(k listserv.Kind) string {
		switch k {
		case listserv.KindCommunity, listserv.KindAnnounce, listserv.KindDiscussion, listserv.KindCaucus, listserv.KindCoalition:
			return cat.T(l, "kind."+string(k))
		}
		return string(k)
	}
	f["howToJoin"] = func(policy listserv.SubscribePolicy) string {
		switch policy {
		case listserv.SubscribeOpen, listserv.SubscribeConfirm:
			return cat.T(l, "join_how.confirm")
		case listserv.SubscribeApprove:
			return cat.T(l, "join_how.approve")
		}
		return cat.T(l, "join_how.closed")
	}
	f["howToPost"] = func(posting store.PostingPolicy) string {
		switch posting {
		case store.PostingAnnounce, store.PostingModerated, store.PostingOpen:
			return cat.T(l, "post_how."+string(posting))
		}
		return cat.T(l, "post_how.members")
	}
	f["roleName"] = func(r listserv.ListRole) string {
		switch r {
		case store.ListMember, store.ListFacilitator, store.ListModerator, store.ListOwner:
			return cat.T(l, "role."+string(r))
		}
		return string(r)
	}
	// profileRole names a profile's role (a store.ProfileRole, or the
	// form's choice of one) in the page's language.
	f["profileRole"] = func(v any) string {
		var r store.ProfileRole
		switch x := v.(type) {
		case store.ProfileRole:
			r = x
		case roleChoice:
			r = store.ProfileRole(x.Value)
		default:
			return fmt.Sprint(v)
		}
		if cat.Has(i18n.English, "profile_role."+string(r)) {
			return cat.T(l, "profile_role."+string(r))
		}
		return r.Label()
	}
	f["statusName"] = func(s listserv.Status) string {
		switch s {
		case listserv.StatusOK, listserv.StatusPending, listserv.StatusWaitlist, listserv.StatusBouncing, listserv.StatusBanned:
			return cat.T(l, "status."+string(s))
		case listserv.StatusDisabled:
			return cat.T(l, "status.bouncing")
		}
		return string(s)
	}
	return f
}

// overrideFiles are the owner's page replacements that apply to
// language l, the language's own last so they win.
func overrideFiles(dir string, l i18n.Lang) []string {
	all, _ := filepath.Glob(filepath.Join(dir, "web", "*.html"))
	own, _ := filepath.Glob(filepath.Join(dir, "web", string(l), "*.html"))
	return append(all, own...)
}

func readOverride(f string) (string, error) {
	src, err := os.ReadFile(f)
	return string(src), err
}

// backPath is where the language switch returns to: the page itself for
// a GET, the front page after a form was sent.
func backPath(r *http.Request) string {
	if r.Method != http.MethodGet {
		return "/"
	}
	return localPath(r.URL.RequestURI())
}

// errText is err's words for the page's reader: a form's own problem or
// a refusal the domain says as a sentence of the catalogue (a setting, a
// profile, a seat cap, a session, a list's name) in the page's language,
// anything else as it is.
func (h *handler) errText(r *http.Request, err error) string {
	var p formProblem
	if errors.As(err, &p) {
		return p.In(h.lang(r))
	}
	return sentence(listserv.ErrorIn(err, h.lang(r)))
}
