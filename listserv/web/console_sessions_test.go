package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"minyan/digest"
)

// TestConsoleSessionPageShowsAnswersAndWaitlist: a session's page lists
// the registered with each question's answer and a box to mark them
// present, the waitlist in its order, and the others' answers, as the
// domain's registration sheet says.
func TestConsoleSessionPageShowsAnswersAndWaitlist(t *testing.T) {
	srv, core := consoleServer(t)
	at := time.Date(2027, 1, 2, 15, 4, 0, 0, time.UTC)
	core.regs = digest.Registrations{Seats: 1, Questions: []string{"Dietary needs?", "Workshop?"}, Registered: 1, Waitlisted: 2,
		People: []digest.Registration{
			{Address: "ana@example.org", Name: "Ana Ruiz", Standing: digest.StandingRegistered, Answers: []string{"vegetarian", "story circles"}, At: at},
			{Address: "ben@example.org", Standing: digest.StandingWaitlisted, Position: 1, Answers: []string{"none"}, At: at.Add(time.Hour)},
			{Address: "cy@example.org", Standing: digest.StandingWaitlisted, Position: 2, At: at.Add(2 * time.Hour)},
			{Address: "dov@example.org", Standing: digest.StandingMaybe, At: at},
		}}
	core.reset(map[string]error{})
	code, body := consoleDo(t, srv, "sid-own", consoleRoute{"GET", "/lists/circle/admin/sessions/7", nil, ""})
	if code != http.StatusOK {
		t.Fatalf("%d\n%s", code, body)
	}
	for _, want := range []string{"Ana Ruiz", "vegetarian", "story circles", `name="present" value="ana@example.org"`,
		">Dietary needs?</th>", ">Workshop?</th>", "Waitlist, in order", "dov@example.org</span>: maybe",
		`href="/lists/circle/admin/sessions/7/registrations.csv"`, "January 2, 2027, 3:04 PM UTC"} {
		if !strings.Contains(body, want) {
			t.Errorf("the session page lacks %q:\n%s", want, body)
		}
	}
	if b, c := strings.Index(body, "ben@example.org"), strings.Index(body, "cy@example.org"); b < 0 || c < b {
		t.Errorf("the waitlist is not in order (ben %d, cy %d)", b, c)
	}
	if strings.Contains(body, `value="ben@example.org"`) {
		t.Error("a waitlisted person can be ticked present among the registered")
	}
	// A session the list does not have is the page a missing one gets.
	if code, _ := consoleDo(t, srv, "sid-own", consoleRoute{"GET", "/lists/circle/admin/sessions/8", nil, ""}); code != http.StatusNotFound {
		t.Errorf("session 8: %d", code)
	}
}

// zonedConsole is the console fake whose signed-in people chose the zone
// America/New_York on their profile.
type zonedConsole struct{ *consoleFakeCore }

func (zonedConsole) PersonZone(string) string { return "America/New_York" }
func (zonedConsole) ListZone(string) string   { return "" }

// TestConsoleSessionsInTheViewersZone: a session at 19:00 UTC is listed
// in its own zone and, for a facilitator who chose America/New_York, at
// 2:00 PM there too, with the zone named.
func TestConsoleSessionsInTheViewersZone(t *testing.T) {
	core := zonedConsole{newConsoleFake()}
	srv := httptest.NewServer(Handler(Options{Core: core, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	core.reset(map[string]error{})
	for _, path := range []string{"/lists/circle/admin/sessions", "/lists/circle/admin/sessions/7"} {
		code, body := consoleDo(t, srv, "sid-own", consoleRoute{"GET", path, nil, ""})
		if code != http.StatusOK || !strings.Contains(body, "January 7, 2027, 2:00 PM (America/New_York)") {
			t.Errorf("%s: %d, the viewer's own time is missing:\n%s", path, code, body)
		}
	}
}
