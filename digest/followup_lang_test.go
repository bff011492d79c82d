package digest

import (
	"context"
	"strings"
	"testing"

	"minyan/listserv"
	"minyan/listserv/i18n"
	"minyan/store"
)

// TestFeedbackAnswersInReadersLanguage: the answers to a reply to the
// feedback mail (a forwarded one, one without a rating, one from someone
// not marked present) are in the language of the person who wrote, here
// a Hebrew list's; and why someone was not marked present is a sentence
// the console writes in its reader's language.
func TestFeedbackAnswersInReadersLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"language=he"}, "alice@example.net", "ben@example.net")
	tok := store.Token{Kind: TokenFeedback, List: "circle", Address: "ben@example.net", Ref: 99}
	for _, c := range []struct {
		from, body, want string
	}{
		{"alice@example.net", "5", "רק ben@example.net יכול/ה לענות"},
		{"ben@example.net", "great", "אפשר לענות שוב עם מספר"},
		{"ben@example.net", "4 lovely", "לא מופיע אצלנו שהשתתפת"},
	} {
		got, err := e.s.handleFeedback(context.Background(), &listserv.Reply{List: "circle", Token: tok, From: c.from, EnvelopeFrom: c.from, Lines: []string{c.body}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%s wrote %q: answered %q, want %q", c.from, c.body, got, c.want)
		}
	}
	s := e.addSession(AddRequest{List: "circle", Start: t0.Add(72 * 3600e9).UTC().Format(LocalLayout), Seats: 3})[0]
	res, err := e.s.Attend(context.Background(), listserv.Operator(listserv.DoorCLI), "circle", s.ID, []string{"zed@example.net", "ben@example.net"})
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string][3]string{
		"zed@example.net": {"not a member of circle", "לא חבר/ה ברשימה circle", "no es miembro de circle"},
		"ben@example.net": {"did not register for this session", "לא נרשם/ה למפגש הזה", "no se inscribió en esta sesión"},
	} {
		why := res.Refused[addr]
		if why.String() != want[0] || why.In(i18n.Hebrew) != want[1] || why.In(i18n.Spanish) != want[2] {
			t.Errorf("%s: %q / %q / %q", addr, why.String(), why.In(i18n.Hebrew), why.In(i18n.Spanish))
		}
	}
}
