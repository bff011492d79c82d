package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"minyan/listserv/i18n"
)

// convertedPages are the pages whose words all come from the catalogues;
// the list only grows. Allowed words are names that are the same in
// every language.
var convertedPages = map[string][]string{
	"layout":          {"English", "Español"},
	"directory":       nil,
	"list":            nil,
	"login":           nil,
	"login-sent":      nil,
	"login-confirm":   nil,
	"confirm":         nil,
	"confirmed":       nil,
	"message":         nil,
	"invalid":         nil,
	"joined":          nil,
	"me":              nil,
	"rsvp":            nil,
	"archive-message": nil,
	"archive":         nil,
	"console-members": nil,
}

// TestConvertedPagesHaveNoEnglishOutsideTheCatalogue fails when a
// converted page has words of its own, outside its tags and actions.
func TestConvertedPagesHaveNoEnglishOutsideTheCatalogue(t *testing.T) {
	for name, allowed := range convertedPages {
		src, err := os.ReadFile(filepath.Join("pages", name+".html"))
		if err != nil {
			t.Fatal(err)
		}
		if words := i18n.WordsOutside(string(src), true, allowed...); len(words) > 0 {
			t.Errorf("%s.html has words outside the catalogue: %s", name, strings.Join(words, " "))
		}
		// An attribute a reader sees (placeholder, aria-label, title,
		// alt) must come from the catalogue too.
		for _, attr := range []string{`placeholder="`, `aria-label="`, `title="`, `alt="`} {
			for _, rest := range strings.Split(string(src), attr)[1:] {
				val, _, _ := strings.Cut(rest, `"`)
				if i18n.WordsOutside(val, false, "Europe", "Berlin") != nil {
					t.Errorf("%s.html: %s%s\" is not from the catalogue", name, attr, val)
				}
			}
		}
	}
}

// TestPageKeysExist: every key a page names is in the catalogue.
func TestPageKeysExist(t *testing.T) {
	files, _ := filepath.Glob("pages/*.html")
	for _, f := range files {
		src, _ := os.ReadFile(f)
		for _, k := range i18n.KeysUsed(string(src)) {
			if !i18n.Builtin().Has(i18n.English, k) && !strings.HasSuffix(k, "_") {
				t.Errorf("%s names %q, which the catalogue lacks", f, k)
			}
		}
	}
}

// TestStyleSheetsUseLogicalProperties: a page in Hebrew is the mirror of
// one in English only when the style sheets say start and end, never
// left and right.
func TestStyleSheetsUseLogicalProperties(t *testing.T) {
	physical := regexp.MustCompile(`(?i)(margin|padding|border)-(left|right)|(^|[;{\s])(left|right)\s*:|text-align\s*:\s*(left|right)|float\s*:\s*(left|right)`)
	files, _ := filepath.Glob("pages/*.css")
	for _, f := range files {
		src, _ := os.ReadFile(f)
		for i, line := range strings.Split(string(src), "\n") {
			if m := physical.FindString(line); m != "" {
				t.Errorf("%s:%d uses %q; use the logical property (inline-start, inline-end)", f, i+1, m)
			}
		}
	}
}
