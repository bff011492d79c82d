package search

import (
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
)

// Segment is a piece of a snippet. Marked pieces are the words that
// matched. A snippet is data, not HTML: a page escapes each segment and
// wraps the marked ones itself.
type Segment struct {
	Text   string
	Marked bool
}

// fold is how the index compares words: accents folded, lowercase.
func fold(s string) string {
	return strings.ToLower(string(asciifolding.New().Filter([]byte(s))))
}

// foldedTerms tokenizes the query terms as the index does.
func foldedTerms(terms []string) map[string]bool {
	tk := unicode.NewUnicodeTokenizer()
	out := map[string]bool{}
	for _, t := range terms {
		for _, tok := range tk.Tokenize([]byte(fold(t))) {
			out[string(tok.Term)] = true
		}
	}
	return out
}

// Snippet cuts about max bytes of text around the first word that
// matches one of terms and marks every matching word in it. With no
// match it is the start of the text.
func Snippet(text string, terms []string, max int) []Segment {
	text = strings.Join(strings.Fields(text), " ")
	if text == "" {
		return nil
	}
	want := foldedTerms(terms)
	toks := unicode.NewUnicodeTokenizer().Tokenize([]byte(text))
	first := -1
	type span struct{ s, e int }
	var marks []span
	for _, tok := range toks {
		if want[fold(string(tok.Term))] {
			if first < 0 {
				first = tok.Start
			}
			marks = append(marks, span{tok.Start, tok.End})
		}
	}
	start := 0
	if first > max/4 {
		start = first - max/4
		// start at a word boundary
		if i := strings.IndexByte(text[start:first], ' '); i >= 0 {
			start += i + 1
		}
	}
	end := min(len(text), start+max)
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end--
	}
	if end < len(text) {
		if i := strings.LastIndexByte(text[start:end], ' '); i > 0 {
			end = start + i
		}
	}
	var out []Segment
	add := func(s string, marked bool) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Marked == marked {
			out[n-1].Text += s
			return
		}
		out = append(out, Segment{Text: s, Marked: marked})
	}
	if start > 0 {
		add("… ", false)
	}
	pos := start
	for _, m := range marks {
		if m.s < start || m.e > end {
			continue
		}
		add(text[pos:m.s], false)
		add(text[m.s:m.e], true)
		pos = m.e
	}
	add(text[pos:end], false)
	if end < len(text) {
		add(" …", false)
	}
	return out
}
