package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"minyan/digest"
	"minyan/listserv"
)

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
		form = url.Values{"duration": {"90m"}, "count": {"1"}}
	}
	h.consolePage(w, r, v, rights, status, "console-sessions", "sessions", map[string]any{
		"Title": "Sessions of " + rights.List.Settings.Title, "Sessions": ss, "Form": form,
		"Zone": rights.List.Settings.Timezone, "Notice": notice, "Problem": problem, "Added": added})
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
		h.renderSessions(w, r, v, rights, http.StatusBadRequest, form, "", "Nothing was scheduled: "+sentence(err.Error()), nil)
		return
	}
	added, err := h.d.sessions.AddSessions(r.Context(), v.Actor(), f.Req)
	if err != nil {
		if isRefusal(err) {
			h.consoleFail(w, r, v, err)
			return
		}
		h.renderSessions(w, r, v, rights, http.StatusBadRequest, form, "", "Nothing was scheduled: "+sentence(formText(err.Error())), nil)
		return
	}
	notice := fmt.Sprintf("Scheduled %d session(s).", len(added.Sessions))
	var lines []string
	if added.Rule != "" {
		lines = append(lines, "The series meets on "+added.Rule+".")
	}
	if added.Note != "" {
		lines = append(lines, "Note: "+sentence(added.Note))
	}
	h.renderSessions(w, r, v, rights, http.StatusOK, nil, notice, "", lines)
}

// formText turns the command line's flag names in a domain sentence into
// the form's field names.
func formText(s string) string {
	return strings.NewReplacer("--start", "start", "--count", "count", "--every", "repeat", "--duration", "duration",
		"--link", "link", "--topic", "topic", "--tz", "time zone").Replace(s)
}

func (h *handler) consoleSessionPost(w http.ResponseWriter, r *http.Request) {
	v, rights, ok := h.consoleStart(w, r)
	if !ok {
		return
	}
	id, ok := sessionID(r.PathValue("id"))
	if !ok {
		h.notFound(w, r)
		return
	}
	form, err := postForm(r)
	var c sessionChange
	if err == nil {
		c, err = sessionChangeValues(form)
	}
	if err != nil {
		h.renderSessions(w, r, v, rights, http.StatusBadRequest, nil, "", "Nothing was changed: "+sentence(err.Error()), nil)
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
		h.renderSessions(w, r, v, rights, http.StatusBadRequest, nil, "", "Nothing was changed: "+sentence(formText(err.Error())), nil)
		return
	}
	if c.Action == "attend" {
		msg := fmt.Sprintf("Marked %d present at session %d; each was mailed a certificate the first time.", len(attended.Marked), id)
		var problem string
		for _, a := range c.Present {
			if why, ok := attended.Refused[listserv.NormalizeAddress(a)]; ok {
				problem += a + ": " + why + ". "
			}
		}
		h.renderSessions(w, r, v, rights, http.StatusOK, nil, msg, strings.TrimSpace(problem), nil)
		return
	}
	verb := "Moved"
	if c.Action == "cancel" {
		verb = "Cancelled"
	}
	h.renderSessions(w, r, v, rights, http.StatusOK, nil, fmt.Sprintf("%s session %d; %d member(s) told.", verb, id, told), "", nil)
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
		"Title": "Study pairs of " + rights.List.Settings.Title, "Pairs": p, "People": people, "GroupsText": groupsText,
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
		h.renderPairs(w, r, v, rights, http.StatusBadRequest, form.Get("groups"), "", "Nothing was changed: "+sentence(err.Error()))
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
			h.renderPairs(w, r, v, rights, http.StatusBadRequest, "", "", "No pairs were made: "+sentence(err.Error()))
			return
		}
		msg := fmt.Sprintf("Made %d group(s) (round %d).", len(p.Groups), p.Round)
		if repeats > 0 {
			msg += fmt.Sprintf(" %d pair(s) studied together before; there was no way around it.", repeats)
		}
		h.renderPairs(w, r, v, rights, http.StatusOK, "", msg, "")
	case "set":
		p, err := h.d.sessions.SetPairs(r.Context(), v.Actor(), rights.List.Name, f.Groups)
		if err != nil {
			if isRefusal(err) {
				h.consoleFail(w, r, v, err)
				return
			}
			h.renderPairs(w, r, v, rights, http.StatusBadRequest, form.Get("groups"), "", "Nothing was changed: "+sentence(err.Error()))
			return
		}
		h.renderPairs(w, r, v, rights, http.StatusOK, "", fmt.Sprintf("Saved %d group(s) (round %d).", len(p.Groups), p.Round), "")
	}
}
