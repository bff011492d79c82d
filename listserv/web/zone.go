package web

import (
	"html/template"
	"net/http"
	"time"

	"minyan/listserv"
	"minyan/listserv/i18n"
)

// Times on the pages are shown in the viewer's zone, and the zone is
// named: the zone the signed-in person chose on /me/profile, else the
// timezone of the list the page is about (the {name} in its path), else
// UTC. Pages write {{when $.ViewerZone TIME}} (a day, a time and the zone) or
// {{whenDate $.ViewerZone TIME}} (the day alone, in that zone); h.page puts
// the zone in every page's data as ViewerZone, and the person's own
// choice (nil for none) as OwnZone.

// ZoneCore tells the zones times are shown in: a person's own choice and
// a list's timezone setting ("" for none). A Core without it shows UTC.
type ZoneCore interface {
	PersonZone(addr string) string
	ListZone(name string) string
}

// ownZone is the zone viewer chose, nil when they chose none (or no one
// is signed in). A page about many lists (/me) shows each list's times
// in that list's zone when it is nil: {{when (or $.OwnZone (zone
// .Zone)) .Start}}.
func (h *handler) ownZone(viewer string) *time.Location {
	zc, ok := h.o.Core.(ZoneCore)
	if !ok || viewer == "" {
		return nil
	}
	loc, _ := listserv.ParseZone(zc.PersonZone(viewer))
	return loc
}

// zone is the zone times on the page for r are shown in, for viewer.
func (h *handler) zone(r *http.Request, viewer string) *time.Location {
	if loc := h.ownZone(viewer); loc != nil {
		return loc
	}
	zc, ok := h.o.Core.(ZoneCore)
	if !ok {
		return time.UTC
	}
	if name, ok := listName(r.PathValue("name")); ok {
		if loc, ok := listserv.ParseZone(zc.ListZone(name)); ok && loc != nil {
			return loc
		}
	}
	return time.UTC
}

// whenIn writes t in zone loc (UTC when nil) in language l, naming the
// zone: "December 8, 2026, 2:00 PM (America/New_York)".
func whenIn(l i18n.Lang, loc *time.Location, t time.Time) string {
	cat := i18n.Builtin()
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	return cat.T(l, "date.time", cat.Date(l, lt), lt.Format(cat.T(l, "date.clock")), "("+loc.String()+")")
}

// zoneFuncs are when and whenDate in language l.
func zoneFuncs(l i18n.Lang, f template.FuncMap) {
	cat := i18n.Builtin()
	f["when"] = func(loc *time.Location, v any) string {
		t, ok := v.(time.Time)
		if !ok || t.IsZero() {
			return ""
		}
		return whenIn(l, loc, t)
	}
	// zone is the location of a zone name (a list's timezone setting),
	// UTC for one that is not a zone.
	f["zone"] = func(name string) *time.Location {
		if loc, ok := listserv.ParseZone(name); ok && loc != nil {
			return loc
		}
		return time.UTC
	}
	f["whenDate"] = func(loc *time.Location, v any) string {
		t, ok := v.(time.Time)
		if !ok || t.IsZero() {
			return ""
		}
		if loc == nil {
			loc = time.UTC
		}
		return cat.Date(l, t.In(loc))
	}
}
