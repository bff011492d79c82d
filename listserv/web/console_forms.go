package web

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"minyan/listserv"
)

// Parsers of the console's forms. Each takes the posted values and
// returns clean values or a sentence for the person; they are fuzzed
// (console_forms_test.go). They check shape only; the domain decides.

// maxField bounds one text field of a console form.
const maxField = 4000

func oneLineField(v url.Values, key string, max int) (string, error) {
	s := strings.TrimSpace(v.Get(key))
	if len(s) > max || !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n\x00") {
		return "", fmt.Errorf("%s: please give one line of at most %d characters", key, max)
	}
	return s, nil
}

// settingsValues reads POST /lists/NAME/admin/settings: every field named
// like a list setting, as KEY=VALUE pairs in the settings' order. Text
// may span lines (footer, description); Windows line ends become \n.
func settingsValues(v url.Values) (map[string]string, error) {
	out := map[string]string{}
	for _, k := range listserv.SettingNames() {
		vals, ok := v[k]
		if !ok {
			continue
		}
		if len(vals) != 1 {
			return nil, fmt.Errorf("%s: give one value", k)
		}
		s := strings.ReplaceAll(vals[0], "\r\n", "\n")
		if len(s) > maxField || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			return nil, fmt.Errorf("%s: at most %d characters of text", k, maxField)
		}
		out[k] = s
	}
	return out, nil
}

// pairsForm is POST /lists/NAME/admin/pairs: action make (at random) or
// set, with groups one per line, addresses separated by commas or spaces.
type pairsForm struct {
	Action string
	Groups [][]string
}

func pairsValues(v url.Values) (pairsForm, error) {
	f := pairsForm{Action: v.Get("action")}
	switch f.Action {
	case "make":
		return f, nil
	case "set":
	default:
		return f, problem("pairs_form.action")
	}
	text := v.Get("groups")
	if len(text) > 64<<10 || !utf8.ValidString(text) {
		return f, problem("pairs_form.too_long")
	}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		fields := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == ';' || r == '+' })
		if len(fields) == 0 {
			continue
		}
		var g []string
		for _, a := range fields {
			addr, err := cleanEmail(a)
			if err != nil {
				return f, problem("pairs_form.not_address", a)
			}
			g = append(g, addr)
		}
		f.Groups = append(f.Groups, g)
	}
	if len(f.Groups) == 0 {
		return f, problem("pairs_form.none")
	}
	return f, nil
}

// templateForm is POST /lists/NAME/admin/templates/TPL: action save,
// preview or reset, and the text.
type templateForm struct{ Action, Text string }

func templateValues(v url.Values) (templateForm, error) {
	f := templateForm{Action: v.Get("action"), Text: strings.ReplaceAll(v.Get("text"), "\r\n", "\n")}
	if !slices.Contains([]string{"save", "preview", "reset"}, f.Action) {
		return f, errors.New("choose save, preview or reset")
	}
	if f.Action != "reset" && (len(f.Text) > 32<<10 || !utf8.ValidString(f.Text) || strings.ContainsRune(f.Text, 0)) {
		return f, errors.New("the text must be at most 32 KiB of plain text")
	}
	return f, nil
}

// templateName accepts a mail text's name: lowercase letters and dashes.
func templateName(s string) (string, bool) {
	if s == "" || len(s) > 64 {
		return "", false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c == '-' || c >= '0' && c <= '9') {
			return "", false
		}
	}
	return s, true
}

// createListForm is POST /admin/lists.
type createListForm struct{ Name, Kind, Title, Description string }

func createListValues(v url.Values) (createListForm, error) {
	var f createListForm
	name, ok := listName(strings.ToLower(strings.TrimSpace(v.Get("name"))))
	if !ok {
		return f, problem("list_form.name")
	}
	f.Name = name
	f.Kind = v.Get("kind")
	if !slices.Contains([]listserv.Kind{listserv.KindCommunity, listserv.KindCaucus, listserv.KindDiscussion, listserv.KindAnnounce, listserv.KindCoalition}, listserv.Kind(f.Kind)) {
		return f, problem("list_form.kind")
	}
	var err error
	if f.Title, err = oneLineField(v, "title", 200); err != nil {
		return f, problem("list_form.title", 200)
	}
	d := strings.ReplaceAll(v.Get("description"), "\r\n", "\n")
	if len(d) > maxField || !utf8.ValidString(d) || strings.ContainsRune(d, 0) {
		return f, problem("list_form.description", maxField)
	}
	f.Description = strings.TrimSpace(d)
	return f, nil
}
