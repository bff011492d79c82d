package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"minyan/listserv"
)

// TestRefusalInPageLanguage: a setting the domain refuses with a
// sentence of the catalogue is shown, next to its field and in the
// summary, in the page's language; the English error text stays for
// the log.
func TestRefusalInPageLanguage(t *testing.T) {
	srv, core := consoleServer(t)
	refused := &listserv.SettingError{Key: "capacity", Reason: "must be a whole number, 0 or more",
		Why: listserv.Said{Key: "setting_err.whole_number"}}
	form := url.Values{"title": {"New title"}, "capacity": {"lots"}, "posting": {"members"}, "lapsed_members": {""}}
	for accept, want := range map[string]string{
		"he": "צריך להיות מספר שלם, 0 או יותר",
		"es": "Debe ser un número entero, 0 o más",
	} {
		core.reset(map[string]error{"SetList": fmt.Errorf("set circle: %w", refused)})
		code, body := consoleDo(t, srv, "sid-own", consoleRoute{"POST", "/lists/circle/admin/settings", form, ""}, "Accept-Language", accept)
		if code != http.StatusBadRequest {
			t.Fatalf("%s: %d\n%s", accept, code, body)
		}
		if n := strings.Count(body, strings.TrimSuffix(strings.TrimPrefix(want, "D"), ".")); n < 2 {
			t.Errorf("%s: the reason %q is shown %d times, want by the field and in the summary:\n%s", accept, want, n, body)
		}
		if strings.Contains(body, "whole number") {
			t.Errorf("%s: English left:\n%s", accept, body)
		}
	}
}

// TestHeldPostReasonInPageLanguage: the page after a web post that is
// held says why in the page's language (PostOutcome.Why).
func TestHeldPostReasonInPageLanguage(t *testing.T) {
	core := &postFake{}
	c := newPostServer(t, core)
	core.outcome = listserv.PostOutcome{Action: listserv.Hold, Reason: "every post to this list is reviewed by a moderator",
		Why: listserv.Said{Key: "hold_go.moderated"}}
	code, _, page := c.do("POST", "/lists/talk/post", "sid-ann", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"subject": {"Hi"}, "body": {"may I?"}}.Encode()), "Accept-Language", "es")
	if code != 200 || !strings.Contains(page, "una persona moderadora revisa cada mensaje de esta lista") || strings.Contains(page, "reviewed by a moderator") {
		t.Errorf("held post in Spanish: %d\n%s", code, page)
	}
}
