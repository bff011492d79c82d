package web

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestConsoleInHebrewAndSpanish: a moderator whose browser asks for
// Hebrew or Spanish gets the console's held queue in that language, as
// <html lang dir>, with the person's own words left as they are and
// the reason each item was held read back from its key.
func TestConsoleInHebrewAndSpanish(t *testing.T) {
	srv, _ := modServer(t)
	for _, tc := range []struct {
		accept, lang, dir string
		want              []string
	}{
		{"he", "he", "rtl", []string{"ממתינות לאישור", "לאשר", "לדחות", "Hi &lt;b&gt;", "x@example.com לא חבר/ה ברשימה"}},
		{"es-MX,es;q=0.9", "es", "ltr", []string{"Retenidos para aprobación", "Aprobar", "Rechazar", "Hi &lt;b&gt;", "x@example.com no es miembro de la lista"}},
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/lists/team/admin/held", nil)
		req.Header.Set("Accept-Language", tc.accept)
		req.AddCookie(&http.Cookie{Name: cookieName, Value: "s-mod"})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(b)
		if resp.StatusCode != 200 || !strings.Contains(page, `lang="`+tc.lang+`" dir="`+tc.dir+`"`) {
			t.Errorf("%s: %d, not lang %s dir %s:\n%s", tc.accept, resp.StatusCode, tc.lang, tc.dir, page)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the held queue lacks %q:\n%s", tc.accept, w, page)
			}
		}
		if strings.Contains(page, "Approve ticked") || strings.Contains(page, "Why held") || strings.Contains(page, "is not a member") {
			t.Errorf("%s: English left on the page:\n%s", tc.accept, page)
		}
	}
}
