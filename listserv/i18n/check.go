package i18n

import (
	"regexp"
	"strings"
)

var (
	actionRE  = regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	commentRE = regexp.MustCompile(`(?s)<!--.*?-->`)
	styleRE   = regexp.MustCompile(`(?is)<style[^>]*>.*?</style>`)
	tagRE     = regexp.MustCompile(`(?s)<[^>]*>`)
	entityRE  = regexp.MustCompile(`&[a-zA-Z]+;|&#[0-9]+;`)
	wordRE    = regexp.MustCompile(`\p{Latin}[\p{Latin}'’-]*\p{Latin}`)
	keyRE     = regexp.MustCompile(`\{\{-?\s*(?:t|tn|th)\s+"([^"]+)"`)
	keyArgRE  = regexp.MustCompile(`\((?:t|tn|th)\s+"([^"]+)"`)
)

// WordsOutside returns the words of Latin letters in a template's text
// outside its {{actions}} (and, for a page, outside its tags): the
// words a reader would see in English whatever their language. allowed
// are words that are the same in every language (commands, product
// names), matched exactly.
func WordsOutside(src string, html bool, allowed ...string) []string {
	text := actionRE.ReplaceAllString(src, " ")
	if html {
		text = commentRE.ReplaceAllString(text, " ")
		text = styleRE.ReplaceAllString(text, " ")
		text = tagRE.ReplaceAllString(text, " ")
		text = entityRE.ReplaceAllString(text, " ")
	}
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	var out []string
	for _, w := range wordRE.FindAllString(text, -1) {
		if !ok[w] {
			out = append(out, w)
		}
	}
	return out
}

// KeysUsed returns the catalogue keys a template names in {{t "…"}},
// {{tn "…"}} and {{th "…"}}.
func KeysUsed(src string) []string {
	var keys []string
	for _, re := range []*regexp.Regexp{keyRE, keyArgRE} {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			keys = append(keys, m[1])
		}
	}
	return keys
}

// HasKeyPrefix reports whether any key of the English catalogue starts
// with prefix (for keys a template builds, such as "rsvp.answer_").
func (c *Catalogue) HasKeyPrefix(prefix string) bool {
	for k := range c.texts[English] {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
