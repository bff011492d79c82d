package search

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Query is a parsed search: words and phrases that must all match
// (subject, author or body), words that must not, and filters.
//
// The syntax people type:
//
//	chevruta "study guide"       both, the phrase as written
//	-budget                      without the word
//	from:rivka  from:rivka@example.org  from:"Rivka Cohen"
//	list:organizers              only that list (repeat for several)
//	after:2026-01-01 before:2026-02-01   archived on or after / before the day (UTC)
//
// Unknown prefixes ("foo:bar") are searched as words. Parsing never
// fails on text: only a malformed date is an error, said in words.
type Query struct {
	Words   []string
	Phrases []string
	Not     []string
	From    []string
	Lists   []string
	After   time.Time // zero: no bound
	Before  time.Time // zero: no bound
}

// Limits on what one query may ask for.
const (
	maxQueryBytes = 1000
	maxQueryParts = 32
)

// Empty reports whether q asks for nothing at all.
func (q Query) Empty() bool {
	return len(q.Words) == 0 && len(q.Phrases) == 0 && len(q.From) == 0 && len(q.Not) == 0 &&
		q.After.IsZero() && q.Before.IsZero() && len(q.Lists) == 0
}

// Terms are the words and phrase words a snippet should mark.
func (q Query) Terms() []string {
	out := append([]string(nil), q.Words...)
	for _, p := range q.Phrases {
		out = append(out, strings.Fields(p)...)
	}
	return out
}

// ParseQuery reads what a person typed into the search box.
func ParseQuery(s string) (Query, error) {
	var q Query
	if len(s) > maxQueryBytes {
		s = s[:maxQueryBytes]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	s = strings.ToValidUTF8(s, " ")
	parts := 0
	for i := 0; i < len(s) && parts < maxQueryParts; {
		r, w := utf8.DecodeRuneInString(s[i:])
		if isSpace(r) {
			i += w
			continue
		}
		neg := false
		if r == '-' && i+1 < len(s) {
			neg = true
			i++
		}
		// prefix:value or prefix:"quoted value"
		key, val := "", ""
		var quoted bool
		start := i
		if s[i] == '"' {
			val, i = readQuoted(s, i)
			quoted = true
		} else {
			j := i
			for j < len(s) {
				r, w := utf8.DecodeRuneInString(s[j:])
				if isSpace(r) {
					break
				}
				if r == ':' && key == "" {
					key = strings.ToLower(s[start:j])
					if j+1 < len(s) && s[j+1] == '"' {
						val, j = readQuoted(s, j+1)
						quoted = true
						break
					}
					start = j + 1
				}
				j += w
			}
			if !quoted {
				val = s[start:j]
			}
			i = j
		}
		parts++
		val = strings.TrimSpace(val)
		switch key {
		case "from":
			if val != "" {
				q.From = append(q.From, strings.ToLower(val))
			}
			continue
		case "list":
			if val != "" {
				q.Lists = append(q.Lists, strings.ToLower(val))
			}
			continue
		case "after", "before", "since", "until":
			t, err := time.Parse("2006-01-02", val)
			if err != nil {
				return q, fmt.Errorf("%s:%s is not a date; write it as YYYY-MM-DD, for example %s:2026-01-31", key, val, key)
			}
			if key == "after" || key == "since" {
				q.After = t
			} else {
				q.Before = t
			}
			continue
		case "":
		default:
			// Not a filter we know: the whole thing is a word.
			val = key + ":" + val
		}
		if val == "" {
			continue
		}
		switch {
		case neg:
			q.Not = append(q.Not, val)
		case quoted && len(strings.Fields(val)) > 1:
			q.Phrases = append(q.Phrases, val)
		default:
			q.Words = append(q.Words, val)
		}
	}
	return q, nil
}

// readQuoted reads a "…" value starting at the quote s[i]; an unclosed
// quote runs to the end.
func readQuoted(s string, i int) (string, int) {
	end := strings.IndexByte(s[i+1:], '"')
	if end < 0 {
		return s[i+1:], len(s)
	}
	return s[i+1 : i+1+end], i + 1 + end + 1
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' || r == '\u3000'
}
