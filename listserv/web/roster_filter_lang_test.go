package web

import (
	"strings"
	"testing"
)

// TestRosterFilterRefusalsInPageLanguage: a roster filter or page the
// console cannot apply is refused in the page's language.
func TestRosterFilterRefusalsInPageLanguage(t *testing.T) {
	srv, _ := modServer(t)
	for _, c := range []struct {
		path, lang, want, not string
	}{
		{"/lists/team/admin/members?role=king", "he", "&#34;king&#34; אינו אחת מהאפשרויות", "must be one of"},
		{"/lists/team/admin/members?sort=height", "es", "&#34;height&#34; no es una de las opciones", "must be one of"},
		{"/lists/team/admin/members?q=" + strings.Repeat("x", 300), "es", "La búsqueda es demasiado larga (254 caracteres como máximo).", "too long"},
		{"/lists/team/admin/members?order=sideways", "es", "El orden es ascendente o descendente.", "asc or desc"},
		{"/lists/team/admin/members?page=0", "he", "מספר העמוד הזה לא מוכר כאן.", "not known here"},
	} {
		code, _, page := roundTrip(t, "GET", srv.URL+c.path, nil, "s-mod", false, "Accept-Language", c.lang)
		if code != 400 || !strings.Contains(page, c.want) || strings.Contains(page, c.not) {
			t.Errorf("%s in %s: %d, want %q and not %q:\n%s", c.path, c.lang, code, c.want, c.not, page)
		}
	}
}
