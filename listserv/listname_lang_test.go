package listserv

import (
	"errors"
	"strings"
	"testing"
)

// TestListNameRefusalsInEachLanguage: a list's name the server will not
// take is refused in the reader's language; Error() is the command
// line's English as before, and errors.Is still tells ErrBadListName.
func TestListNameRefusalsInEachLanguage(t *testing.T) {
	for _, c := range []struct {
		name       string
		en, he, es string
		bad        bool
	}{
		{"Bad Name", ErrBadListName.Error(), "שם של רשימה הוא 1 עד 64 תווים", "El nombre de una lista tiene de 1 a 64", true},
		{"team-owner", ErrBadListName.Error(), "שם של רשימה הוא 1 עד 64 תווים", "El nombre de una lista tiene de 1 a 64", true},
		{"inbox", `"inbox" cannot be a list name: mail apps reserve it for the inbox; choose another name`, "\"inbox\" לא יכול להיות שם של רשימה", "\"inbox\" no puede ser el nombre", false},
		{"postmaster", `"postmaster" cannot be a list name: mail to postmaster@ goes to the server's administrators; choose another name`, "דואר אל postmaster@ מגיע למנהלי השרת", "el correo a postmaster@ va a quienes administran", false},
		{"class-s12", `"class-s12" cannot be a list name: a name ending in -s and digits`, "הכתובת של שיחת מפגש", "la conversación de una sesión", false},
	} {
		err := ValidListName(c.name)
		if err == nil {
			t.Errorf("%q accepted", c.name)
			continue
		}
		if !strings.HasPrefix(err.Error(), c.en) || errors.Is(err, ErrBadListName) != c.bad {
			t.Errorf("%q: %q (ErrBadListName %v)", c.name, err, errors.Is(err, ErrBadListName))
		}
		if he, es := ErrorIn(err, LangHebrew), ErrorIn(err, LangSpanish); !strings.Contains(he, c.he) || !strings.Contains(es, c.es) {
			t.Errorf("%q: %q / %q", c.name, he, es)
		}
	}
}

// TestRosterFilterRefusalsInEachLanguage: a roster filter with a choice
// the roster does not have, or a search too long, is refused in the
// reader's language; Error() is the English it was.
func TestRosterFilterRefusalsInEachLanguage(t *testing.T) {
	for _, c := range []struct {
		f          RosterFilter
		en, he, es string
	}{
		{RosterFilter{Role: "king"}, `role "king": must be one of`, `"king" אינו אחת מהאפשרויות`, `"king" no es una de las opciones`},
		{RosterFilter{Query: strings.Repeat("x", 300)}, "the search is too long (254 characters at most)", "החיפוש ארוך מדי (עד 254 תווים).", "La búsqueda es demasiado larga"},
	} {
		err := c.f.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), c.en) {
			t.Errorf("%v, want %q…", err, c.en)
			continue
		}
		if he, es := ErrorIn(err, LangHebrew), ErrorIn(err, LangSpanish); !strings.Contains(he, c.he) || !strings.Contains(es, c.es) {
			t.Errorf("%q: %q / %q", c.en, he, es)
		}
	}
}
