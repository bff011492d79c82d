package listserv

import (
	"errors"
	"strings"
	"testing"
)

// TestRefusalsInReadersLanguage: a refused setting, a refused profile
// change and an organization over its seat cap keep their English error
// text (logs, the CLI) and say the same in Hebrew and Spanish through
// ErrorIn, the words a page shows; a mailed seat-cap answer is in its
// reader's language too.
func TestRefusalsInReadersLanguage(t *testing.T) {
	e := coalitionEnv(t)
	_, err := e.svc.SetList(bg, op, "co", []string{"capacity=lots"})
	var se *SettingError
	if !errors.As(err, &se) || se.Reason != "must be a whole number, 0 or more" {
		t.Fatalf("capacity=lots: %v", err)
	}
	if got := ErrorIn(err, LangHebrew); got != "capacity: צריך להיות מספר שלם, 0 או יותר" {
		t.Errorf("in Hebrew: %q", got)
	}
	if got := ErrorIn(err, LangEnglish); got != "capacity: must be a whole number, 0 or more" {
		t.Errorf("in English: %q", got)
	}

	zone := "Mars/Olympus"
	_, err = e.svc.SetProfile(bg, op, "ca@example.org", ProfileChange{Zone: &zone})
	if err == nil || !strings.Contains(err.Error(), `"Mars/Olympus" is not a time zone (a name like America/New_York)`) {
		t.Fatalf("a bad zone: %v", err)
	}
	if got := ErrorIn(err, LangSpanish); got != `"Mars/Olympus" no es una zona horaria (un nombre como America/Mexico_City)` {
		t.Errorf("in Spanish: %q", got)
	}

	ca := Person("ca@example.org", DoorWeb)
	for _, d := range []string{"d1@example.org", "d2@example.org"} {
		if _, err := e.svc.AddDelegate(bg, ca, "co", "ACME", d); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.svc.AddDelegate(bg, ca, "co", "ACME", "d3@example.org")
	if !errors.Is(err, ErrSeatsFull) || !strings.Contains(err.Error(), "every seat of this organization is taken: ACME has 2 of 2 seats filled") {
		t.Fatalf("over the cap: %v", err)
	}
	if got := ErrorIn(err, LangHebrew); !strings.Contains(got, "כל המקומות של הארגון הזה תפוסים: ל-ACME יש 2 מתוך 2 מקומות") {
		t.Errorf("seat cap in Hebrew: %q", got)
	}

	if _, err := e.svc.SetProfile(bg, op, "ca@example.org", ProfileChange{Lang: ptrTo(LangSpanish)}); err != nil {
		t.Fatal(err)
	}
	if a := mailText(t, e.request("ca@example.org", "delegate add d4@example.org")); !strings.Contains(a, "todos los lugares de esta organización están ocupados") {
		t.Errorf("the mailed answer is not in Spanish:\n%s", a)
	}
}
