package listserv

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"minyan/listserv/i18n"
)

// mailAllowed are the words a mail text may have outside the catalogue:
// the commands people type, which stay English in every language. Every
// text in templates/ (.txt and .html) is checked, so a text added later
// in English fails TestMailsHaveNoEnglishOutsideTheCatalogue.
var mailAllowed = map[string][]string{
	"welcome":         {"digest", "on", "nomail", "password", "unsubscribe", "help"},
	"help":            {"subscribe", "unsubscribe", "digest", "on", "off", "daily", "weekly", "plain", "html", "mute", "unmute", "topics", "housing", "training", "nomail", "password", "info", "who", "help"},
	"command-results": {"Re"},
	"reply-done":      {"Re"},
	"reply-problem":   {"Re"},
	// A moderator's one-word answers and the command an owner types.
	"held-moderator":        {"approve", "always", "reject", "discard", "ban"},
	"bounce-owner-disabled": {"minyan", "member", "set", "mode", "each"},
	// The address every mail server keeps (RFC 5321), a name in any language.
	"postmaster-forward": {"postmaster"},
	"password":           {"IMAP"},
	// RFC 1153 digests keep their header words, which programs read.
	"digest": {"Message", "Date", "From", "Archive"},
	// Answers people type stay English: the RSVP parser reads them.
	"reminder-session": {"yes"},
	"session-announce": {"yes"},
}

// mailTemplates are the names (without extension) of every built-in
// mail text, .txt and .html.
func mailTemplates(t *testing.T, ext string) []string {
	t.Helper()
	files, err := filepath.Glob("templates/*" + ext)
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates/*%s: %v", ext, err)
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ext))
	}
	return names
}

// TestMailsHaveNoEnglishOutsideTheCatalogue fails when a mail text has
// words of its own (which a Hebrew or Spanish reader would get in
// English).
func TestMailsHaveNoEnglishOutsideTheCatalogue(t *testing.T) {
	for _, ext := range []string{".txt", ".html"} {
		for _, name := range mailTemplates(t, ext) {
			src, err := os.ReadFile(filepath.Join("templates", name+ext))
			if err != nil {
				t.Fatal(err)
			}
			if words := i18n.WordsOutside(string(src), ext == ".html", append(mailAllowed[name], "Subject")...); len(words) > 0 {
				t.Errorf("%s%s has words outside the catalogue: %s", name, ext, strings.Join(words, " "))
			}
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

// TestMailsRenderInEveryLanguage renders every mail text in each
// language with sample values: it must parse, fill in, and (in Hebrew
// and Spanish) differ from the English.
func TestMailsRenderInEveryLanguage(t *testing.T) {
	for _, name := range mailTemplates(t, ".txt") {
		tpl := templates(LangEnglish).Lookup(name + ".txt")
		data := SampleData(tpl)
		if name == digestTemplate {
			data["Period"] = "daily" // one text for both periods, the period as data
		}
		enSubj, en, err := builtinText(LangEnglish, name, data)
		if err != nil {
			t.Fatalf("%s en: %v", name, err)
		}
		for _, l := range []Lang{LangHebrew, LangSpanish} {
			subj, body, err := builtinText(l, name, data)
			if err != nil {
				t.Fatalf("%s %s: %v", name, l, err)
			}
			if subj+body == enSubj+en || missingKey.MatchString(subj+body) {
				t.Errorf("%s in %s is the English text or names a missing key:\n%s", name, l, body)
			}
		}
	}
}
