package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"minyan/listserv"
	"minyan/listserv/i18n"
)

// settingRow is one field of the settings form. Unlisted marks a choice
// whose current value is none of its choices (unset on an older list, or
// "default"): the form then offers that value too, selected, so saving
// the form unchanged changes nothing.
type settingRow struct {
	listserv.SettingHelp
	Value, Preset, Error string
	Unlisted             bool
}

type settingGroupRows struct {
	// Title is the group's English title, Key its name in the catalogue.
	Title, Key string
	Rows       []settingRow
}

func settingRows(values, presets, errs map[string]string) []settingGroupRows {
	var out []settingGroupRows
	for _, g := range listserv.SettingGroups() {
		gr := settingGroupRows{Title: g.Title, Key: settingGroupKey(g.Title)}
		for _, s := range g.Settings {
			v := values[s.Key]
			gr.Rows = append(gr.Rows, settingRow{SettingHelp: s, Value: v, Preset: presets[s.Key], Error: errs[s.Key],
				Unlisted: s.Choices != nil && !slices.Contains(s.Choices, v)})
		}
		out = append(out, gr)
	}
	return out
}

func (h *handler) consoleSettings(w http.ResponseWriter, r *http.Request) {
	v, rights, ok := h.consoleStart(w, r)
	if !ok {
		return
	}
	sv, err := h.d.console.ListSettings(r.Context(), v.Actor(), rights.List.Name)
	if err != nil {
		h.consoleFail(w, r, v, err)
		return
	}
	h.settingsPage(w, r, v, rights, sv, http.StatusOK, sv.Values, nil, "", "")
}

// settingsPage renders the settings form with values (as typed, after a
// refusal), errs beside their fields, and a notice or problem above.
func (h *handler) settingsPage(w http.ResponseWriter, r *http.Request, v Viewer, rights listserv.ConsoleRights, sv listserv.SettingsView,
	status int, values, errs map[string]string, notice, problem string) {
	h.consolePage(w, r, v, rights, status, "console-settings", "settings", map[string]any{
		"Title": h.t(r, "console_go.settings_title", rights.List.Settings.Title), "Groups": settingRows(values, sv.Presets, errs),
		"Notice": notice, "Problem": problem})
}

// consoleSettingsPost applies the settings that differ from the list's
// current ones, all of them or none: a refused value is shown next to its
// field, with every value as typed.
func (h *handler) consoleSettingsPost(w http.ResponseWriter, r *http.Request) {
	v, rights, ok := h.consoleStart(w, r)
	if !ok {
		return
	}
	a := v.Actor()
	sv, err := h.d.console.ListSettings(r.Context(), a, rights.List.Name)
	if err != nil {
		h.consoleFail(w, r, v, err)
		return
	}
	render := func(status int, values, errs map[string]string, notice, problem string) {
		h.settingsPage(w, r, v, rights, sv, status, values, errs, notice, problem)
	}
	form, err := postForm(r)
	var posted map[string]string
	if err == nil {
		posted, err = settingsValues(form)
	}
	if err != nil {
		render(http.StatusBadRequest, sv.Values, nil, "", h.t(r, "console_go.nothing_changed", h.errText(r, err)))
		return
	}
	var pairs []string
	typed := map[string]string{}
	for k, val := range sv.Values {
		typed[k] = val
	}
	for _, g := range listserv.SettingGroups() {
		for _, s := range g.Settings {
			val, ok := posted[s.Key]
			if !ok || val == sv.Values[s.Key] {
				continue
			}
			typed[s.Key] = val
			pairs = append(pairs, s.Key+"="+val)
		}
	}
	if len(pairs) == 0 {
		render(http.StatusOK, sv.Values, nil, h.t(r, "console_go.nothing_to_save"), "")
		return
	}
	_, err = h.d.console.SetList(r.Context(), a, rights.List.Name, pairs)
	var se *listserv.SettingError
	if errors.As(err, &se) {
		render(http.StatusBadRequest, typed, map[string]string{se.Key: sentence(se.ReasonIn(h.lang(r)))}, "",
			h.t(r, "console_go.correct_it", h.errText(r, se)))
		return
	}
	if err != nil {
		h.consoleFail(w, r, v, err)
		return
	}
	sv, err = h.d.console.ListSettings(r.Context(), a, rights.List.Name)
	if err != nil {
		h.consoleFail(w, r, v, err)
		return
	}
	rights.List = sv.List
	render(http.StatusOK, sv.Values, nil, i18n.Builtin().N(h.lang(r), "console_go.saved_changes", len(pairs)), "")
}

func (h *handler) consoleTemplates(w http.ResponseWriter, r *http.Request) {
	v, rights, ok := h.consoleStart(w, r)
	if !ok {
		return
	}
	ts, err := h.d.console.MailTemplates(r.Context(), v.Actor(), rights.List.Name)
	if err != nil {
		h.consoleFail(w, r, v, err)
		return
	}
	h.consolePage(w, r, v, rights, http.StatusOK, "console-templates", "templates", map[string]any{
		"Title": h.t(r, "console_go.templates_title", rights.List.Settings.Title), "Templates": ts})
}

func (h *handler) consoleTemplate(w http.ResponseWriter, r *http.Request) {
	v, rights, ok := h.consoleStart(w, r)
	if !ok {
		return
	}
	name, ok := templateName(r.PathValue("tpl"))
	if !ok {
		h.notFound(w, r)
		return
	}
	h.renderTemplate(w, r, v, rights, name, http.StatusOK, "", "", "", false)
}

func (h *handler) renderTemplate(w http.ResponseWriter, r *http.Request, v Viewer, rights listserv.ConsoleRights, name string, status int, text, notice, problem string, typed bool) {
	a := v.Actor()
	t, err := h.d.console.GetMailTemplate(r.Context(), a, rights.List.Name, name)
	if err != nil {
		if !errors.Is(err, listserv.ErrForbidden) && !errors.Is(err, listserv.ErrNotFound) {
			h.notFound(w, r)
			return
		}
		h.consoleFail(w, r, v, err)
		return
	}
	if !typed {
		text = t.Builtin
		if t.Overridden {
			text = t.Override
		}
	}
	data := map[string]any{"Title": h.t(r, "console_go.template_title", name), "T": t, "Text": text, "Notice": notice, "Problem": problem}
	if problem == "" {
		subj, body, err := h.d.console.PreviewMailTemplate(r.Context(), a, rights.List.Name, name, text)
		if err != nil {
			data["PreviewProblem"] = h.errText(r, err)
		} else {
			data["PreviewSubject"], data["PreviewBody"] = subj, body
		}
	}
	h.consolePage(w, r, v, rights, status, "console-template", "templates", data)
}

func (h *handler) consoleTemplatePost(w http.ResponseWriter, r *http.Request) {
	v, rights, ok := h.consoleStart(w, r)
	if !ok {
		return
	}
	name, ok := templateName(r.PathValue("tpl"))
	if !ok {
		h.notFound(w, r)
		return
	}
	form, err := postForm(r)
	var f templateForm
	if err == nil {
		f, err = templateValues(form)
	}
	if err != nil {
		h.renderTemplate(w, r, v, rights, name, http.StatusBadRequest, f.Text, "", h.errText(r, err), f.Text != "")
		return
	}
	a := v.Actor()
	switch f.Action {
	case "preview":
		h.renderTemplate(w, r, v, rights, name, http.StatusOK, f.Text, h.t(r, "console_go.preview_below"), "", true)
	case "reset":
		if err := h.d.console.ResetMailTemplate(r.Context(), a, rights.List.Name, name); err != nil {
			h.consoleFail(w, r, v, err)
			return
		}
		h.renderTemplate(w, r, v, rights, name, http.StatusOK, "", h.t(r, "console_go.builtin_again"), "", false)
	case "save":
		err := h.d.console.SetMailTemplate(r.Context(), a, rights.List.Name, name, f.Text)
		var te *listserv.TemplateError
		if errors.As(err, &te) {
			h.renderTemplate(w, r, v, rights, name, http.StatusBadRequest, f.Text, "", h.t(r, "console_go.not_saved", sentence(te.Error())), true)
			return
		}
		if err != nil {
			h.consoleFail(w, r, v, err)
			return
		}
		h.renderTemplate(w, r, v, rights, name, http.StatusOK, "", h.t(r, "console_go.template_saved"), "", false)
	}
}

// settingGroupKey names a group of settings in the catalogue
// (setting_group.KEY): its English title in lower case, words joined by
// "_" ("Sessions and digests" is sessions_and_digests). The labels and
// help of the settings themselves are setting.KEY.label and .help.
func settingGroupKey(title string) string {
	return strings.ReplaceAll(strings.ToLower(title), " ", "_")
}
