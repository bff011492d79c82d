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
