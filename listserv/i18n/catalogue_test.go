package i18n

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// TestEveryKeyInEveryLanguage fails when a text is missing in a language
// (or only there), or is plural in one language and not in another.
func TestEveryKeyInEveryLanguage(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	en := c.Keys(English)
	if len(en) < 100 {
		t.Fatalf("English has only %d texts", len(en))
	}
	for _, l := range Langs[1:] {
		for _, k := range en {
			if !c.Has(l, k) {
				t.Errorf("%s lacks %q", l, k)
			} else if c.IsPlural(l, k) != c.IsPlural(English, k) {
				t.Errorf("%s: %q is plural in one language and not the other", l, k)
			}
		}
		for _, k := range c.Keys(l) {
			if !c.Has(English, k) {
				t.Errorf("%s has %q, which English lacks", l, k)
			}
		}
	}
}

func TestPluralRules(t *testing.T) {
	c := Builtin()
	for _, tc := range []struct {
		l    Lang
		n    int
		want string
	}{
		{English, 1, "1 of 1 seat free"},
		{English, 5, "2 of 5 seats free"},
		{Hebrew, 1, "מקום פנוי אחד מתוך 1"},
		{Hebrew, 5, "2 מקומות פנויים מתוך 5"},
		{Spanish, 1, "1 de 1 plaza libre"},
		{Spanish, 5, "2 de 5 plazas libres"},
	} {
		left := 2
		if tc.n == 1 {
			left = 1
		}
		if got := c.N(tc.l, "sessions.seats_free", tc.n, left); got != tc.want {
			t.Errorf("%s %d: %q, want %q", tc.l, tc.n, got, tc.want)
		}
	}
}

func TestMissingKeyShows(t *testing.T) {
	if got := Builtin().T(Hebrew, "no.such.key"); got != "[no.such.key]" {
		t.Errorf("missing key gave %q", got)
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	for header, want := range map[string]Lang{
		"":                          English,
		"he-IL,he;q=0.9,en;q=0.8":   Hebrew,
		"iw":                        Hebrew,
		"es-MX,es;q=0.9":            Spanish,
		"fr-FR,fr;q=0.9":            English,
		"fr;q=0.9, es;q=0.5":        Spanish,
		"en-GB,en;q=0.9,he;q=0.8":   English,
		"de;q=0.8,he;q=0.7,;;;;==1": English,
	} {
		if got := FromAcceptLanguage(header); got != want {
			t.Errorf("%q: %s, want %s", header, got, want)
		}
	}
}

func TestDates(t *testing.T) {
	c := Builtin()
	day := time.Date(2026, time.December, 7, 18, 30, 0, 0, time.UTC)
	for l, want := range map[Lang]string{
		English: "December 7, 2026",
		Hebrew:  "7 בדצמבר 2026",
		Spanish: "7 de diciembre de 2026",
	} {
		if got := c.Date(l, day); got != want {
			t.Errorf("%s: %q, want %q", l, got, want)
		}
	}
	if got := c.DateTime(Spanish, day); got != "7 de diciembre de 2026, a las 18:30 UTC" {
		t.Errorf("es datetime: %q", got)
	}
	if got := c.DateTime(English, day); got != "December 7, 2026, 6:30 PM UTC" {
		t.Errorf("en datetime: %q", got)
	}
}

func TestWordsOutside(t *testing.T) {
	got := WordsOutside(`<p class="x">{{t "a.b"}} Hello <a href="/">{{.X}}</a> IMAP</p>`, true, "IMAP")
	if len(got) != 1 || got[0] != "Hello" {
		t.Errorf("got %q", got)
	}
}

// TestCatalogueFilesMerge: a language's catalogue may span several files;
// a key defined in two of them is refused, naming both files.
func TestCatalogueFilesMerge(t *testing.T) {
	fsys := fstest.MapFS{
		"catalogue/en/main.toml":   {Data: []byte("[a]\nx = \"one\"\n")},
		"catalogue/en/roster.toml": {Data: []byte("[b]\ny = \"two\"\n")},
	}
	m, err := loadLang(fsys, "en")
	if err != nil || m["a.x"].plain != "one" || m["b.y"].plain != "two" {
		t.Fatalf("merged = %v, %v", m, err)
	}
	fsys["catalogue/en/dup.toml"] = &fstest.MapFile{Data: []byte("[a]\nx = \"again\"\n")}
	if _, err := loadLang(fsys, "en"); err == nil || !strings.Contains(err.Error(), `"a.x"`) {
		t.Fatalf("a key in two files: err = %v", err)
	}
}
