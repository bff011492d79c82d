package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"minyan/listserv/i18n"
)

// pageAllowed are the words a page may have outside the catalogue:
// names that are the same in every language. Every page in pages/ is
// checked, so a page added later in English fails
// TestPagesHaveNoEnglishOutsideTheCatalogue.
var pageAllowed = map[string][]string{
	"layout": {"English", "Español"},
	// A subject tag and a setting's name, typed as they are.
	"console-alerts":   {"alert", "followup", "after"},
	"console-template": {"Name"},
	// The search syntax: operators and sample words, typed as they are.
	"archive-search": {"chevruta", "guide", "study", "budget", "from", "rivka", "Rivka", "Cohen", "list", "organizers", "after", "before"},
}

// pagesConvertedElsewhere are pages other work is converting with its
// own catalogue files (the roster's and the sessions' console pages);
// they leave this list when that work lands.
var pagesConvertedElsewhere = map[string]bool{}

// TestPagesHaveNoEnglishOutsideTheCatalogue fails when a page has words
// of its own, outside its tags and actions.
func TestPagesHaveNoEnglishOutsideTheCatalogue(t *testing.T) {
	files, err := filepath.Glob("pages/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no pages: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".html")
		if pagesConvertedElsewhere[name] {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if words := i18n.WordsOutside(string(src), true, pageAllowed[name]...); len(words) > 0 {
			t.Errorf("%s.html has words outside the catalogue: %s", name, strings.Join(words, " "))
		}
		// An attribute a reader sees (placeholder, aria-label, title,
		// alt) must come from the catalogue too.
		for _, attr := range []string{`placeholder="`, `aria-label="`, `title="`, `alt="`} {
			for _, rest := range strings.Split(string(src), attr)[1:] {
				val, _, _ := strings.Cut(rest, `"`)
				if i18n.WordsOutside(val, false, "Europe", "Berlin", "https") != nil {
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
