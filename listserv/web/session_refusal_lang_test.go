package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"minyan/digest"
	"minyan/listserv"
)

// TestSessionRefusalInPageLanguage: when the domain refuses a session
// form (a start in the past, a time it cannot read, a length it cannot
// read) or pairs, or the pairs form cannot be read, the console says
// why in the page's language, not in the command line's words with its
// flags.
func TestSessionRefusalInPageLanguage(t *testing.T) {
	srv, core := consoleServer(t)
	_, unreadable := digest.Occurrences("next thursday", "", 1)
	_, badLength := listserv.ParseHumanDuration("a while")
	if unreadable == nil || badLength == nil {
		t.Fatal("the domain accepted what it should refuse")
	}
	past := listserv.RefuseSaying("--start 2020-01-02 19:00 (UTC) is in the past", "session_err.past", "2020-01-02 19:00", "UTC")
	alone := listserv.RefuseSaying("group 1 has only ana@example.org; a group needs at least two people", "pairs_err.alone", 1, "ana@example.org")
	add := url.Values{"date": {"2027-01-07"}, "time": {"19:00"}}
	move := url.Values{"action": {"move"}, "date": {"2027-01-07"}, "time": {"19:00"}}
	for _, c := range []struct {
		name, op  string
		route     consoleRoute
		err       error
		lang      string
		want, not string
	}{
		{"past start, Hebrew", "AddSessions", consoleRoute{"POST", "/lists/circle/admin/sessions", add, ""}, fmt.Errorf("add: %w", past), "he", "כבר עבר", "in the past"},
		{"past start, Spanish", "AddSessions", consoleRoute{"POST", "/lists/circle/admin/sessions", add, ""}, past, "es", "ya pasó", "in the past"},
		{"unreadable start, Hebrew", "AddSessions", consoleRoute{"POST", "/lists/circle/admin/sessions", add, ""}, fmt.Errorf("--start %w", unreadable), "he", "לא הצלחנו להבין את התאריך", "24-hour clock"},
		{"unreadable length, Spanish", "AddSessions", consoleRoute{"POST", "/lists/circle/admin/sessions", add, ""}, badLength, "es", "como una duración", "must be a duration"},
		{"moved to the past, Spanish", "MoveSession", consoleRoute{"POST", "/lists/circle/admin/sessions/7", move, ""}, past, "es", "ya pasó", "in the past"},
		{"pairs form, Hebrew", "", consoleRoute{"POST", "/lists/circle/admin/pairs", url.Values{"action": {"set"}, "groups": {"ana@example.org, oops"}}, ""}, nil, "he", "&#34;oops&#34; אינה כתובת דוא", "is not an email address"},
		{"pairs refused, Spanish", "SetPairs", consoleRoute{"POST", "/lists/circle/admin/pairs", url.Values{"action": {"set"}, "groups": {"ana@example.org"}}, ""}, alone, "es", "El grupo 1 solo tiene a ana@example.org", "a group needs"},
	} {
		core.reset(map[string]error{})
		if c.err != nil {
			core.reset(map[string]error{c.op: c.err})
		}
		code, body := consoleDo(t, srv, "sid-own", c.route, "Accept-Language", c.lang)
		if code != http.StatusBadRequest {
			t.Errorf("%s: %d\n%s", c.name, code, body)
			continue
		}
		if !strings.Contains(body, c.want) || strings.Contains(body, c.not) {
			t.Errorf("%s: want %q and not %q:\n%s", c.name, c.want, c.not, body)
		}
	}
}
