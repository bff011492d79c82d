// Package i18n holds the languages minyan writes in (English, Hebrew,
// Spanish), one message catalogue per language (catalogue/LANG/*.toml,
// embedded), plural rules from CLDR, dates written the way each
// language writes them, and the choice of a language for an anonymous
// web visitor from Accept-Language. Pages and mail templates reach the
// catalogue through the template functions Funcs returns ({{t "key"}},
// {{tn "key" N}}, {{date .When}}), so a text is written once per
// language and every template shows it in the reader's language.
package i18n

import (
	"strings"
	"sync"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/bidi"
)

// Lang is a language minyan writes in.
type Lang string

// The languages of pages and mail.
const (
	English Lang = "en"
	Hebrew  Lang = "he"
	Spanish Lang = "es"
)

// Langs are every language, English (the fallback) first.
var Langs = [...]Lang{English, Hebrew, Spanish}

// Parse reads en, he or es in any case; ok is false for anything else.
func Parse(s string) (Lang, bool) {
	switch l := Lang(strings.ToLower(strings.TrimSpace(s))); l {
	case English, Hebrew, Spanish:
		return l, true
	}
	return "", false
}

// Or returns l, or fallback when l is not a language minyan writes in.
// It is how a choice falls through: the person's, else the list's,
// else English.
func (l Lang) Or(fallback Lang) Lang {
	if p, ok := Parse(string(l)); ok {
		return p
	}
	return fallback
}

// Dir is the writing direction of the language, for <html dir>.
func (l Lang) Dir() string {
	if l == Hebrew {
		return "rtl"
	}
	return "ltr"
}

// Tag is the language's BCP 47 tag.
func (l Lang) Tag() language.Tag {
	switch l {
	case Hebrew:
		return language.Hebrew
	case Spanish:
		return language.Spanish
	}
	return language.English
}

// matcher picks among the languages for a visitor's Accept-Language;
// English first, so it is the answer when nothing matches.
var matcher = language.NewMatcher([]language.Tag{language.English, language.Hebrew, language.Spanish})

// FromAcceptLanguage chooses the language for a visitor from their
// browser's Accept-Language header (English when nothing matches or the
// header does not parse). "iw", the old code for Hebrew, counts as he.
func FromAcceptLanguage(header string) Lang {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	return Langs[i]
}

// TextDir is the direction of someone's words: "rtl" when their first
// letter is of a right-to-left script (Hebrew, Arabic), "ltr" when it is
// of a left-to-right one, "" when they have no letters. A mail program
// that ignores dir="auto" still lays a post out right with it.
func TextDir(s string) string {
	for _, r := range s {
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.L:
			return "ltr"
		case bidi.R, bidi.AL:
			return "rtl"
		}
	}
	return ""
}

// PerLang builds one value for each language minyan speaks, each the
// first time it is asked for, and returns the function that gives it (a
// language minyan does not speak gets English's). Templates parsed per
// language use it: a process that writes only English, or nothing, does
// not parse the others at start. A value is built once and shared, so it
// must not be changed after.
func PerLang[T any](build func(Lang) T) func(Lang) T {
	m := map[Lang]func() T{}
	for _, l := range Langs {
		m[l] = sync.OnceValue(func() T { return build(l) })
	}
	return func(l Lang) T {
		if f, ok := m[l]; ok {
			return f()
		}
		return m[English]()
	}
}
