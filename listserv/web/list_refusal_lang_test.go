package web

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"minyan/listserv"
)

// TestListFormRefusalsInPageLanguage: a list's name the domain refuses
// on the site's form, and the next cohort's form without a name, are
// said in the page's language.
func TestListFormRefusalsInPageLanguage(t *testing.T) {
	srv, core := consoleServer(t)
	for _, c := range []struct {
		name, sid string
		route     consoleRoute
		errs      map[string]error
		lang      string
		want, not string
	}{
		{"reserved name, Spanish", "sid-root", consoleRoute{"POST", "/admin/lists", url.Values{"name": {"inbox"}, "kind": {"community"}}, ""},
			map[string]error{"CreateList": fmt.Errorf("list name %q: %w", "inbox", listserv.ValidListName("inbox"))}, "es", "no puede ser el nombre de una lista", "cannot be a list name"},
		{"bad name, Hebrew", "sid-root", consoleRoute{"POST", "/admin/lists", url.Values{"name": {"team-owner"}, "kind": {"community"}}, ""},
			map[string]error{"CreateList": fmt.Errorf("list name %q: %w", "team-owner", listserv.ValidListName("team-owner"))}, "he", "שם של רשימה הוא 1 עד 64 תווים", "a list name is"},
		{"the form's own check, Spanish", "sid-root", consoleRoute{"POST", "/admin/lists", url.Values{"name": {"Bad Name"}, "kind": {"community"}}, ""},
			map[string]error{}, "es", "Nombre: usa letras minúsculas", "use lowercase"},
		{"cohort without a name, Hebrew", "sid-own", consoleRoute{"POST", "/lists/circle/admin/cohort/next", url.Values{"name": {""}}, ""},
			map[string]error{}, "he", "נא לתת שם לרשימה החדשה", "please give"},
	} {
		core.reset(c.errs)
		code, body := consoleDo(t, srv, c.sid, c.route, "Accept-Language", c.lang)
		if code < 400 || code >= 500 || !strings.Contains(body, c.want) || strings.Contains(body, c.not) {
			t.Errorf("%s: %d, want %q and not %q:\n%s", c.name, code, c.want, c.not, body)
		}
	}
}
