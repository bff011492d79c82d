package i18n

import (
	"bytes"
	htmltemplate "html/template"
	"testing"
)

// named writes itself in a language, as a session's name does.
type named struct{}

func (named) In(l Lang) string { return "in " + string(l) }

// TestLocalWritesInTheTemplatesLanguage: {{local V}} writes a Localized
// value in the page's or mail's language, anything else as it is.
func TestLocalWritesInTheTemplatesLanguage(t *testing.T) {
	c := Builtin()
	for _, tc := range []struct {
		l    Lang
		v    any
		want string
	}{
		{Hebrew, named{}, "in he"},
		{Spanish, named{}, "in es"},
		{Hebrew, "Pirkei Avot", "Pirkei Avot"},
		{English, 3, "3"},
	} {
		tpl := htmltemplate.Must(htmltemplate.New("x").Funcs(c.Funcs(tc.l)).Parse(`{{local .}}`))
		var b bytes.Buffer
		if err := tpl.Execute(&b, tc.v); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.l, tc.v, b.String(), tc.want)
		}
	}
}
