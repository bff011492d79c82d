package digest

import "testing"

// Punctuation, shouting and a leading no-break space do not hide the
// answer; an idiom that starts with "no" and a foreign word are no answer.
func TestParseAnswerPunctuationAndIdioms(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Yes!":                      AnswerYes,
		"YES.":                      AnswerYes,
		"\u00a0yes":                 AnswerYes,
		"Yes—see you":               AnswerYes,
		"yes, I'll be there":        AnswerYes,
		"Maybe":                     AnswerMaybe,
		"No problem, see you there": "",
		"Ja":                        "",
	} {
		if got := ParseAnswer(in); got != want {
			t.Errorf("ParseAnswer(%q) = %q, want %q", in, got, want)
		}
	}
}
