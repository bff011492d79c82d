package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"minyan/digest"
	"minyan/listserv"
	"minyan/listserv/i18n"
)

// The console's sessions pages: the list of sessions with the form that
// schedules one (GET and POST /lists/NAME/admin/sessions) and one
// session's page with its registrations, waitlist and attendance (GET
// and POST /lists/NAME/admin/sessions/ID, CSV at
// /lists/NAME/admin/sessions/ID/registrations.csv). Every change is a
// domain operation of digest.Scheduler, the same one `minyan session`
// calls; permissions are the domain's (PermSessions: facilitators too).

// sessionRow is one session as the pages show it: its times in its own
// zone, written in the viewer's language with the zone named.
type sessionRow struct {
	digest.Listed
	// When is the start (a date for all-day sessions), Until the last
	// day of a session that spans several ("" otherwise).
	When, Until string
	// ZoneName is the zone for people ("America/New York").
	ZoneName string
	// Yours is the start in the viewer's own zone (their profile's),
	// when they chose one other than the session's: "" otherwise.
	Yours string
	// Open tells whether the session can still be moved or cancelled.
	Open bool
}

func (h *handler) sessionRow(r *http.Request, v Viewer, l digest.Listed) sessionRow {
	lang := h.lang(r)
	c := i18n.Builtin()
	loc, err := time.LoadLocation(l.Zone)
	if err != nil {
		loc = time.UTC
	}
	start, end := l.Start.In(loc), l.End.In(loc)
	row := sessionRow{Listed: l, ZoneName: strings.ReplaceAll(l.Zone, "_", " "),
		Open: l.State.Open()}
	last := end
	if l.AllDay {
		last = end.Add(-time.Minute) // an all-day session ends at midnight after its last day
		row.When = c.Date(lang, start)
	} else {
		row.When = c.DateTime(lang, start)
	}
	if own := h.ownZone(v.Address); own != nil && !l.AllDay && own.String() != loc.String() {
		row.Yours = whenIn(lang, own, l.Start)
	}
	if y, m, d := last.Date(); y != start.Year() || m != start.Month() || d != start.Day() {
		row.Until = c.Date(lang, last)
	}
	return row
}

func (h *handler) consoleSessions(w http.ResponseWriter, r *http.Request) {
	v, rights, ok := h.consoleStart(w, r)
	if !ok {
		return
	}
	h.renderSessions(w, r, v, rights, http.StatusOK, nil, "", "", nil)
}

func (h *handler) renderSessions(w http.ResponseWriter, r *http.Request, v Viewer, rights listserv.ConsoleRights, status int, form url.Values, notice, problem string, added []string) {
	ss, err := h.d.sessions.ConsoleSessions(r.Context(), v.Actor(), rights.List.Name)
	if err != nil {
		h.consoleFail(w, r, v, err)
		return
	}
	if form == nil {
		form = url.Values{"count": {"1"}}
	}
	rows := make([]sessionRow, 0, len(ss))
	for _, s := range ss {
		rows = append(rows, h.sessionRow(r, v, s))
	}
	h.consolePage(w, r, v, rights, status, "console-sessions", "sessions", map[string]any{
		"Title": h.t(r, "events.title", rights.List.Settings.Title), "Sessions": rows, "Form": form,
		"Zones":  zoneChoices(rights.List.Settings.Timezone, form.Get("zone"), h.o.Now()),
		"Notice": notice, "Problem": problem, "Added": added})
}

// countText is the plural text key for the count n in the language of
// the page for r.
func (h *handler) countText(r *http.Request, key string, n int, args ...any) string {
	return i18n.Builtin().N(h.lang(r), key, n, args...)
}

// formError is a form's problem in the viewer's language, and so is a
// domain refusal with a sentence of the catalogue; any other domain
// sentence is shown as the domain wrote it, with the command line's flag
// names turned into the form's.
func (h *handler) formError(r *http.Request, err error) string {
	var p formProblem
	if errors.As(err, &p) {
		return p.In(h.lang(r))
	}
	// A refusal the domain says as a sentence of the catalogue (a start
	// in the past, a time zone it does not know) in the page's language;
	// the command line's wording, with its flags, only for the rest.
	var said *listserv.SaidError
	if errors.As(err, &said) {
		return h.errText(r, err)
	}
	return sentence(formText(err.Error()))
}

func (h *handler) consoleSessionsPost(w http.ResponseWriter, r *http.Request) {
	v, rights, ok := h.consoleStart(w, r)
	if !ok {
		return
	}
	form, err := postForm(r)
	var f sessionForm
	if err == nil {
		f, err = sessionValues(rights.List.Name, form)
	}
	if err != nil {
		h.renderSessions(w, r, v, rights, http.StatusBadRequest, form, "", h.t(r, "events.nothing_scheduled", h.formError(r, err)), nil)
		return
	}
	added, err := h.d.sessions.AddSessions(r.Context(), v.Actor(), f.Req)
	if err != nil {
		if isRefusal(err) {
			h.consoleFail(w, r, v, err)
			return
		}
		h.renderSessions(w, r, v, rights, http.StatusBadRequest, form, "", h.t(r, "events.nothing_scheduled", h.formError(r, err)), nil)
		return
	}
	var lines []string
	if added.Rule != "" && len(added.Sessions) > 0 {
		lines = append(lines, h.monthlyRule(r, added.Sessions[0].Local, added.Note != "")...)
	}
	h.renderSessions(w, r, v, rights, http.StatusOK, nil, h.countText(r, "events.scheduled", len(added.Sessions)), "", lines)
}

// monthlyRule says in the viewer's language how a monthly series from
// the wall-clock start first recurs (digest.MonthlyRule's rule: the
// same weekday of the month, the nth of it), and, for a fifth weekday,
// that months without one are skipped.
func (h *handler) monthlyRule(r *http.Request, first string, fifth bool) []string {
	w, err := time.Parse(digest.LocalLayout, first)
	if err != nil {
		return nil
	}
	n, wd := (w.Day()-1)/7+1, int(w.Weekday())
	nth := fmt.Sprintf("events.nth_%d", n)
	if w.Weekday() == time.Saturday {
		nth = fmt.Sprintf("events.nth_sat_%d", n) // Hebrew: Shabbat takes the feminine ordinal
	}
	day := h.t(r, fmt.Sprintf("date.weekday.%d", wd))
	out := []string{h.t(r, "events.series_rule", h.t(r, nth), day)}
	if fifth {
		out = append(out, h.t(r, "events.series_fifth", day))
	}
	return out
}

// formText turns the command line's flag names in a domain sentence into
// the form's field names.
func formText(s string) string {
	return strings.NewReplacer("--start", "start", "--count", "count", "--every", "repeat", "--duration", "length",
		"--link", "link", "--topic", "topic", "--tz", "time zone", "--all-day", "all day", "--location", "place",
		"--seats", "seats", "--question", "question").Replace(s)
}

// sessionStart is consoleStart for a page of one session: the viewer,
// their rights and the session's number from the path; a number that is
// not one gets the page a missing session gets.
func (h *handler) sessionStart(w http.ResponseWriter, r *http.Request) (Viewer, listserv.ConsoleRights, uint64, bool) {
	v, rights, ok := h.consoleStart(w, r)
	if !ok {
		return v, rights, 0, false
	}
	id, ok := sessionID(r.PathValue("id"))
	if !ok {
		h.notFound(w, r)
	}
	return v, rights, id, ok
}

// consoleSession is GET /lists/NAME/admin/sessions/ID: one session with
// everyone who answered, the waitlist in order and attendance.
func (h *handler) consoleSession(w http.ResponseWriter, r *http.Request) {
	v, rights, id, ok := h.sessionStart(w, r)
	if !ok {
		return
	}
	h.renderSession(w, r, v, rights, id, http.StatusOK, "", "")
}

// registrant is one person on a session's page.
type registrant struct {
	digest.Registration
	// Answered is when they answered, in the session's zone.
	Answered string
	// QA pairs each question with their answer.
	QA []digest.QA
}

func (h *handler) renderSession(w http.ResponseWriter, r *http.Request, v Viewer, rights listserv.ConsoleRights, id uint64, status int, notice, problem string) {
	ss, err := h.d.sessions.ConsoleSessions(r.Context(), v.Actor(), rights.List.Name)
	if err != nil {
		h.consoleFail(w, r, v, err)
		return
	}
	var row *sessionRow
	for _, s := range ss {
		if s.ID == id {
			sr := h.sessionRow(r, v, s)
			row = &sr
		}
	}
	if row == nil {
		h.notFound(w, r)
		return
	}
	regs, err := h.d.sessions.Registrations(r.Context(), v.Actor(), rights.List.Name, id)
	if err != nil {
		h.consoleFail(w, r, v, err)
		return
	}
	loc, err := time.LoadLocation(row.Zone)
	if err != nil {
		loc = time.UTC
	}
	var registered, waiting, others []registrant
	for _, p := range regs.People {
		rg := registrant{Registration: p, Answered: i18n.Builtin().DateTime(h.lang(r), p.At.In(loc))}
		for i, q := range regs.Questions {
			a := ""
			if i < len(p.Answers) {
				a = p.Answers[i]
			}
			rg.QA = append(rg.QA, digest.QA{Question: q, Answer: a})
		}
		switch p.Standing {
		case digest.StandingRegistered:
			registered = append(registered, rg)
		case digest.StandingWaitlisted:
			waiting = append(waiting, rg)
		default:
			others = append(others, rg)
		}
	}
	start := row.Start.In(loc)
	h.consolePage(w, r, v, rights, status, "console-session", "sessions", map[string]any{
		"Title": h.t(r, "events.session_title", row.When), "S": row, "Questions": regs.Questions,
		"Registered": registered, "Waiting": waiting, "Others": others,
		"MoveDate": start.Format(dateLayout), "MoveTime": start.Format(timeLayout),
		"Notice": notice, "Problem": problem})
}

func (h *handler) consoleSessionPost(w http.ResponseWriter, r *http.Request) {
	v, rights, id, ok := h.sessionStart(w, r)
	if !ok {
		return
	}
	form, err := postForm(r)
	var c sessionChange
	if err == nil {
		c, err = sessionChangeValues(form)
	}
	if err != nil {
		h.renderSession(w, r, v, rights, id, http.StatusBadRequest, "", h.t(r, "events.nothing_changed", h.formError(r, err)))
		return
	}
	var told int
	var attended digest.AttendResult
	switch c.Action {
	case "attend":
		attended, err = h.d.sessions.Attend(r.Context(), v.Actor(), rights.List.Name, id, c.Present)
	case "move":
		_, told, err = h.d.sessions.MoveSession(r.Context(), v.Actor(), rights.List.Name, id, c.Start)
	case "cancel":
		_, told, err = h.d.sessions.CancelSession(r.Context(), v.Actor(), rights.List.Name, id)
	}
	if err != nil {
		if isRefusal(err) {
			h.consoleFail(w, r, v, err)
			return
		}
		h.renderSession(w, r, v, rights, id, http.StatusBadRequest, "", h.t(r, "events.nothing_changed", h.formError(r, err)))
		return
	}
	switch c.Action {
	case "attend":
		var refused []string
		for _, a := range c.Present {
			if why, ok := attended.Refused[listserv.NormalizeAddress(a)]; ok {
				refused = append(refused, h.t(r, "events.not_marked", a, why))
			}
		}
		h.renderSession(w, r, v, rights, id, http.StatusOK, h.countText(r, "events.marked", len(attended.Marked)), strings.Join(refused, " "))
	case "move":
		h.renderSession(w, r, v, rights, id, http.StatusOK, h.countText(r, "events.moved", told), "")
	case "cancel":
		h.renderSession(w, r, v, rights, id, http.StatusOK, h.countText(r, "events.cancelled", told), "")
	}
}

// consoleSessionCSV is GET /lists/NAME/admin/sessions/ID/registrations.csv:
// `minyan session export` on the web (attended, rating and comment
// included).
func (h *handler) consoleSessionCSV(w http.ResponseWriter, r *http.Request) {
	v, rights, id, ok := h.sessionStart(w, r)
	if !ok {
		return
	}
	out, err := h.d.sessions.ExportRegistrations(r.Context(), v.Actor(), rights.List.Name, id)
	if err != nil {
		h.consoleFail(w, r, v, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+rights.List.Name+"-session-"+strconv.FormatUint(id, 10)+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(out)
}

func (h *handler) consolePairs(w http.ResponseWriter, r *http.Request) {
	v, rights, ok := h.consoleStart(w, r)
	if !ok {
		return
	}
	h.renderPairs(w, r, v, rights, http.StatusOK, "", "", "")
}

func (h *handler) renderPairs(w http.ResponseWriter, r *http.Request, v Viewer, rights listserv.ConsoleRights, status int, groupsText, notice, problem string) {
	p, people, err := h.d.sessions.ConsolePairs(r.Context(), v.Actor(), rights.List.Name)
	if err != nil {
		h.consoleFail(w, r, v, err)
		return
	}
	if groupsText == "" {
		var lines []string
		for _, g := range p.Groups {
			lines = append(lines, strings.Join(g, ", "))
		}
		groupsText = strings.Join(lines, "\n")
	}
	h.consolePage(w, r, v, rights, status, "console-pairs", "pairs", map[string]any{
		"Title": h.t(r, "events.pairs_title", rights.List.Settings.Title), "Pairs": p, "People": people, "GroupsText": groupsText,
		"Notice": notice, "Problem": problem})
}

func (h *handler) consolePairsPost(w http.ResponseWriter, r *http.Request) {
	v, rights, ok := h.consoleStart(w, r)
	if !ok {
		return
	}
	form, err := postForm(r)
	var f pairsForm
	if err == nil {
		f, err = pairsValues(form)
	}
	if err != nil {
		h.renderPairs(w, r, v, rights, http.StatusBadRequest, form.Get("groups"), "", h.t(r, "events.nothing_changed", h.formError(r, err)))
		return
	}
	switch f.Action {
	case "make":
		p, repeats, err := h.d.sessions.MakePairs(r.Context(), v.Actor(), rights.List.Name)
		if err != nil {
			if isRefusal(err) {
				h.consoleFail(w, r, v, err)
				return
			}
			h.renderPairs(w, r, v, rights, http.StatusBadRequest, "", "", h.t(r, "events.pairs_not_made", h.errText(r, err)))
			return
		}
		msg := h.countText(r, "events.pairs_made", len(p.Groups), p.Round)
		if repeats > 0 {
			msg += " " + h.countText(r, "events.pairs_repeats", repeats)
		}
		h.renderPairs(w, r, v, rights, http.StatusOK, "", msg, "")
	case "set":
		p, err := h.d.sessions.SetPairs(r.Context(), v.Actor(), rights.List.Name, f.Groups)
		if err != nil {
			if isRefusal(err) {
				h.consoleFail(w, r, v, err)
				return
			}
			h.renderPairs(w, r, v, rights, http.StatusBadRequest, form.Get("groups"), "", h.t(r, "events.nothing_changed", h.errText(r, err)))
			return
		}
		h.renderPairs(w, r, v, rights, http.StatusOK, "", h.countText(r, "events.pairs_saved", len(p.Groups), p.Round), "")
	}
}
