package listserv

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"minyan/listserv/i18n"
)

// convertedMails are the mail texts whose words all come from the
// catalogues; the list only grows. Their allowed words are the commands
// people type, which stay English in every language.
var convertedMails = map[string][]string{
	"join-confirm":    nil,
	"welcome":         {"Subject", "digest", "on", "nomail", "password", "unsubscribe", "help"},
	"help":            {"Subject", "subscribe", "unsubscribe", "digest", "on", "off", "daily", "weekly", "plain", "html", "mute", "unmute", "topics", "housing", "training", "nomail", "password", "info", "who", "help"},
	"command-results": {"Subject", "Re"},
	"web-login":       nil,
	"held-author":     nil,
	"command-confirm": nil,
	"leave-confirm":   nil,
	"goodbye":         nil,
	"waitlisted":      nil,
	"join-refused":    nil,
	"post-rejected":   nil,
	"held-withdrawn":  nil,
	"password":        {"IMAP"},
	// RFC 1153 digests keep their header words, which programs read.
	"digest-daily":  {"Message", "Date", "From", "Archive"},
	"digest-weekly": {"Message", "Date", "From", "Archive"},
	// Answers people type stay English: the RSVP parser reads them.
	"reminder-session":        {"yes"},
	"session-announce":        {"yes"},
	"session-cancelled":       nil,
	"session-moved":           nil,
	"waitlist-promoted":       nil,
	"session-rsvp-noted":      nil,
	"session-rsvp-waitlisted": nil,
	"session-rsvp-promoted":   nil,
	"session-rsvp-closed":     nil,
	"session-rsvp-unclear":    nil,
	"alert-thanks":            nil,
	"alert-followup":          nil,
	"bounce-disabled":         nil,
	"bounce-probe":            nil,
	"standing-lapsed":         nil,
	"standing-restored":       nil,
	"people-message":          nil,
	"held-expired":            nil,
	"session-invite":          nil,
}

// TestConvertedMailsHaveNoEnglishOutsideTheCatalogue fails when a
// converted mail text has words of its own (which a Hebrew or Spanish
// reader would get in English), or names a key no catalogue has.
func TestConvertedMailsHaveNoEnglishOutsideTheCatalogue(t *testing.T) {
	for name, allowed := range convertedMails {
		src, err := os.ReadFile(filepath.Join("templates", builtinTemplate(name)+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		if words := i18n.WordsOutside(string(src), false, append(allowed, "Subject")...); len(words) > 0 {
			t.Errorf("%s.txt has words outside the catalogue: %s", name, strings.Join(words, " "))
		}
	}
}

// TestMailKeysExist: every key a mail text names is in the catalogue.
func TestMailKeysExist(t *testing.T) {
	files, _ := filepath.Glob("templates/*")
	for _, f := range files {
		src, _ := os.ReadFile(f)
		for _, k := range i18n.KeysUsed(string(src)) {
			if !i18n.Builtin().Has(i18n.English, k) {
				t.Errorf("%s names %q, which the catalogue lacks", f, k)
			}
		}
	}
}

// missingKey is how the catalogue shows a key it lacks.
var missingKey = regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`)

// TestConvertedMailsRenderInEveryLanguage renders each converted text
// in each language with sample values: it must parse, fill in, and (in
// Hebrew and Spanish) differ from the English.
func TestConvertedMailsRenderInEveryLanguage(t *testing.T) {
	for name := range convertedMails {
		tpl := templates[LangEnglish].Lookup(builtinTemplate(name) + ".txt")
		data := SampleData(tpl)
		if period, ok := strings.CutPrefix(name, "digest-"); ok {
			data["Period"] = period // one text for both periods, the period as data
		}
		name := builtinTemplate(name)
		_, en, err := builtinText(LangEnglish, name, data)
		if err != nil {
			t.Fatalf("%s en: %v", name, err)
		}
		for _, l := range []Lang{LangHebrew, LangSpanish} {
			_, body, err := builtinText(l, name, data)
			if err != nil {
				t.Fatalf("%s %s: %v", name, l, err)
			}
			if body == en || missingKey.MatchString(body) {
				t.Errorf("%s in %s is the English text or names a missing key:\n%s", name, l, body)
			}
		}
	}
}
