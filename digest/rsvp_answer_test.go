package digest

import (
	"context"
	"strings"
	"testing"

	"minyan/listserv"
	"minyan/store"
)

func TestParseAnswerVariants(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"Yes":                       AnswerYes,
		"yes, I'll be there":        AnswerYes,
		"Yes I'll be there":         AnswerYes,
		"Yes—see you":               AnswerYes,
		"Maybe":                     AnswerMaybe,
		"maybe, depends on work":    AnswerMaybe,
		"No.":                       AnswerNo,
		"no, sorry":                 AnswerNo,
		"No - traveling":            AnswerNo,
		"nope":                      AnswerNo,
		"No problem, see you there": "",
		"Not sure yet":              "",
		"":                          "",
		"Thanks for the reminder":   "",
	}
	for in, want := range cases {
		if got := ParseAnswer(in); got != want {
			t.Errorf("ParseAnswer(%q) = %q, want %q", in, got, want)
		}
	}
}

// A reminder forwarded to someone else cannot answer for the member.
func TestForwardedReminderCannotRSVP(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", nil, "alice@example.net::each:Alice", "bob@example.net")
	s := e.addSession(AddRequest{List: "circle", Start: "2026-11-05 19:00"})[0]
	var token store.Token
	e.st.Update(func(tx *store.Tx) error {
		tok, err := e.svc.IssueToken(tx, TokenRSVP, "circle", "alice@example.net", s.ID, "", 0)
		if err == nil {
			token, err = tx.Token(tok)
		}
		return err
	})
	answer, err := e.s.handleRSVP(context.Background(), &listserv.Reply{List: "circle", Token: token, From: "friend@example.com", Lines: []string{"no"}})
	if err != nil || !strings.Contains(answer, "Only alice@example.net can answer") {
		t.Fatalf("forwarded answer: %q %v", answer, err)
	}
	ls, _ := e.s.Sessions(t.Context(), listserv.Operator(listserv.DoorCLI), "circle")
	if ls[0].RSVP.Counts() != "yes=0 no=0 maybe=0" {
		t.Fatalf("counted: %s", ls[0].RSVP.Counts())
	}
}
