package digest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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
	s := e.addSession(AddRequest{List: "circle", Start: t0.Add(72 * time.Hour).UTC().Format(LocalLayout), Seats: 3})[0]
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

// TestSessionConversationRefusalInWritersLanguage: a post to a session's
// conversation before it opens is refused in the writer's language, with
// the session's name and time written in it too.
func TestSessionConversationRefusalInWritersLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"session_digest_before=0", "reminder_offsets=", "timezone=UTC", "language=es"},
		"fay@example.net:owner", "dee@example.net")
	s := e.addSession(AddRequest{List: "circle", Zone: "UTC", Start: "2026-11-20 10:00", Every: EveryWeekly, Count: 2})[0]
	e.clock.Set(time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC))
	e.mailReply("dee@example.net", fmt.Sprintf("circle-s%d@%s", s.ID, domain), "¿Quién trae la tetera?")
	n := e.noticesTo("dee@example.net")
	if len(n) != 1 {
		t.Fatalf("%d notices to dee", len(n))
	}
	if want := "la conversación de Sesión 1 de 2 se abre 48 horas antes de que empiece (viernes 20 de noviembre, 10:00 UTC)"; !strings.Contains(n[0], want) {
		t.Errorf("the refusal is not in Spanish, want %q:\n%s", want, n[0])
	}
}
