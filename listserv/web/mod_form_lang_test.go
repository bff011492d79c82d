package web

import (
	"net/url"
	"strings"
	"testing"

	"minyan/listserv/i18n"
)

// TestModerationAndMemberFormProblemsInEachLanguage: the moderation
// queue's and the roster's forms say what is missing in the page's
// language; the English is what the console said before.
func TestModerationAndMemberFormProblemsInEachLanguage(t *testing.T) {
	decide := func(v url.Values) error { _, err := decisionValues(v, true); return err }
	add := func(v url.Values) error { _, err := addValues(v); return err }
	member := func(v url.Values) error { _, err := memberActionValues(v); return err }
	for _, c := range []struct {
		read       func(url.Values) error
		v          url.Values
		en, he, es string
	}{
		{decide, url.Values{}, "Please choose what to do: approve, reject, discard, approve always or ban.", "נא לבחור מה לעשות", "Elige qué hacer"},
		{decide, url.Values{"action": {"publish"}}, "That action is not known here (approve, reject, discard, approve_always or ban).", "הפעולה הזאת לא מוכרת כאן", "Esa acción no se conoce aquí"},
		{decide, url.Values{"action": {"approve"}}, "Please tick the items to act on.", "נא לסמן את הפריטים", "Marca los elementos"},
		{add, url.Values{"role": {"king"}, "email": {"a@example.org"}}, "Please choose member, facilitator, moderator or owner.", "נא לבחור חבר/ת רשימה", "Elige integrante"},
		{add, url.Values{"mode": {"fax"}, "email": {"a@example.org"}}, "Please choose every message, digest or no mail.", "נא לבחור כל הודעה בנפרד", "Elige cada mensaje"},
		{member, url.Values{"email": {"a@example.org"}, "action": {"set"}}, "Please choose a role or a delivery mode.", "נא לבחור תפקיד", "Elige un rol"},
		{member, url.Values{"email": {"a@example.org"}, "action": {"standing"}}, "Please say whether they are in good standing.", "נא לציין אם", "Indica si su membresía"},
		{member, url.Values{"email": {"a@example.org"}, "action": {"fly"}}, "That action is not known here.", "הפעולה הזאת לא מוכרת כאן.", "Esa acción no se conoce aquí."},
	} {
		err := c.read(c.v)
		p, ok := err.(formProblem)
		if !ok {
			t.Errorf("%v: %v is not a problem of the form", c.v, err)
			continue
		}
		if got := p.In(i18n.English); got != c.en {
			t.Errorf("%v in English: %q, want %q", c.v, got, c.en)
		}
		if he, es := p.In(i18n.Hebrew), p.In(i18n.Spanish); !strings.HasPrefix(he, c.he) || !strings.HasPrefix(es, c.es) {
			t.Errorf("%v: %q / %q", c.v, he, es)
		}
	}
}
