package digest

import (
	"context"
	"strings"
	"testing"
	"time"

	"minyan/listserv"
)

// TestSessionRefusalsInEachLanguage: a session the domain will not
// schedule or move is refused with the command line's English as the
// error's text (the CLI and the log are unchanged) and with a sentence
// of the catalogue a page writes in its reader's language.
func TestSessionRefusalsInEachLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("circle", "community", []string{"timezone=UTC"}, "alice@example.net")
	op := listserv.Operator(listserv.DoorCLI)
	ctx := context.Background()
	later := t0.Add(72 * time.Hour).UTC().Format(LocalLayout)
	earlier := t0.Add(-72 * time.Hour).UTC().Format(LocalLayout)
	for _, c := range []struct {
		req        AddRequest
		en, he, es string
	}{
		{AddRequest{Start: earlier}, "--start " + earlier + " (UTC) is in the past", "כבר עבר", "ya pasó"},
		{AddRequest{Start: later, Count: 500, Every: EveryWeekly}, "--count must be between 1 and", "סדרה יכולה לכלול", "Una serie puede tener"},
		{AddRequest{Start: later, Every: "daily"}, `--every "daily": must be weekly, biweekly or monthly`, "איך הסדרה חוזרת", "cómo se repite"},
		{AddRequest{Start: later, Count: 3}, "--count 3 needs --every weekly, biweekly or monthly", "צריכה תדירות", "necesita repetirse"},
		{AddRequest{Start: later, Zone: "Mars/Olympus"}, `--tz: time zone "Mars/Olympus": must be an IANA time zone`, "אינו אזור זמן", "no es una zona horaria"},
		{AddRequest{Start: "soon"}, `--start "soon": give the time as "YYYY-MM-DD HH:MM" (24-hour clock)`, "לא הצלחנו להבין את התאריך", "No entendemos \"soon\""},
		{AddRequest{Start: later, Duration: 30 * 24 * time.Hour}, "--duration must be between 1m and 14 days (336h)", "ועד 14 ימים", "hasta 14 días"},
		{AddRequest{Start: later, Link: "javascript:alert(1)"}, `--link "javascript:alert(1)": give a full meeting URL`, "הקישור למפגש במלואו", "enlace de la reunión completo"},
		{AddRequest{Start: later, Seats: -1}, "--seats must be between 1 and", "מקומות: מספר בין 1", "Cupos: un número"},
		{AddRequest{Start: later, Questions: []string{"a", "b", "c", "d"}}, "at most 3 --question may be asked", "עד 3 שאלות", "como máximo 3 preguntas"},
		{AddRequest{Start: later, Topic: strings.Repeat("x", 1000)}, "--topic is longer than", "הנושא יכול להיות באורך", "El tema puede tener"},
	} {
		c.req.List = "circle"
		_, err := e.s.AddSessions(ctx, op, c.req)
		if err == nil {
			t.Errorf("%+v was scheduled", c.req)
			continue
		}
		if !strings.HasPrefix(err.Error(), c.en) {
			t.Errorf("the English error changed: %q, want %q…", err.Error(), c.en)
		}
		he, es := listserv.ErrorIn(err, listserv.LangHebrew), listserv.ErrorIn(err, listserv.LangSpanish)
		if !strings.Contains(he, c.he) || !strings.Contains(es, c.es) {
			t.Errorf("%q in Hebrew %q (want %q), in Spanish %q (want %q)", c.en, he, c.he, es, c.es)
		}
	}
	s := e.addSession(AddRequest{List: "circle", Start: later})[0]
	for _, c := range []struct {
		start      string
		en, he, es string
	}{
		{earlier, "--start " + earlier + " (UTC) is in the past", "כבר עבר", "ya pasó"},
		{later, "session 1 already starts at " + later, "המפגש כבר מתחיל ב־" + later, "La sesión ya empieza el " + later},
	} {
		_, _, err := e.s.MoveSession(ctx, op, "circle", s.ID, c.start)
		if err == nil || !strings.HasPrefix(err.Error(), c.en) {
			t.Errorf("moving to %s: %v, want %q", c.start, err, c.en)
			continue
		}
		if he, es := listserv.ErrorIn(err, listserv.LangHebrew), listserv.ErrorIn(err, listserv.LangSpanish); !strings.Contains(he, c.he) || !strings.Contains(es, c.es) {
			t.Errorf("moving to %s: %q / %q", c.start, he, es)
		}
	}
}

// TestPairsRefusalsInEachLanguage: pairs the domain will not make or set
// are refused with the command line's English as the error's text and a
// sentence of the catalogue for the console's reader.
func TestPairsRefusalsInEachLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, t0)
	e.list("solo", "community", nil, "alice@example.net")
	e.list("circle", "community", nil, "alice@example.net", "ben@example.net", "cy@example.net")
	op := listserv.Operator(listserv.DoorCLI)
	ctx := context.Background()
	_, _, err := e.s.MakePairs(ctx, op, "solo")
	check := func(err error, en, he, es string) {
		t.Helper()
		if err == nil || !strings.HasPrefix(err.Error(), en) {
			t.Errorf("%v, want %q…", err, en)
			return
		}
		if h, s := listserv.ErrorIn(err, listserv.LangHebrew), listserv.ErrorIn(err, listserv.LangSpanish); !strings.Contains(h, he) || !strings.Contains(s, es) {
			t.Errorf("%q in Hebrew %q, in Spanish %q", en, h, s)
		}
	}
	check(err, "solo has only one member who receive mail", "רק אדם אחד ברשימה הזאת", "Solo una persona de esta lista")
	for _, c := range []struct {
		groups     [][]string
		en, he, es string
	}{
		{[][]string{{"alice@example.net", "zed@example.net"}}, "group 1: zed@example.net is not a member of circle", "קבוצה 1: zed@example.net אינו/ה", "Grupo 1: zed@example.net no es miembro"},
		{[][]string{{"alice@example.net", "ben@example.net"}, {"ben@example.net", "cy@example.net"}}, "ben@example.net is in group 1 and group 2", "גם בקבוצה 1 וגם בקבוצה 2", "está en el grupo 1 y en el grupo 2"},
		{[][]string{{"alice@example.net"}}, "group 1 has only alice@example.net", "בקבוצה 1 יש רק את alice@example.net", "El grupo 1 solo tiene a alice@example.net"},
		{nil, "give at least one group of two people", "לפחות קבוצה אחת של שני אנשים", "al menos un grupo de dos personas"},
	} {
		_, err := e.s.SetPairs(ctx, op, "circle", c.groups)
		check(err, c.en, c.he, c.es)
	}
}
