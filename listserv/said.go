package listserv

import (
	"time"

	"minyan/listserv/i18n"
)

// Said is a sentence the domain says to a person (the answer to a reply,
// a refusal's reason): a catalogue key and its arguments, not words. The
// door that writes to the person renders it in their language with In,
// so the domain decides what to say and never which language to say it
// in. An argument may itself be a Said (a status word, "the author") or
// a time (written as the language writes dates); anything else is shown
// as it is.
type Said struct {
	Key  string
	Args []any
	// Text is a sentence not (yet) in the catalogue, shown as it is: an
	// answer from a door that still writes its own words.
	Text string
}

// say is the Said of key with args.
func say(key string, args ...any) Said { return Said{Key: key, Args: args} }

// verbatim is a Said of words already written.
func verbatim(text string) Said { return Said{Text: text} }

// IsZero reports whether nothing is said.
func (s Said) IsZero() bool { return s.Key == "" && s.Text == "" }

// String is the sentence in English, for the command line and the log.
func (s Said) String() string { return s.In(LangEnglish) }

// In renders the sentence in language l.
func (s Said) In(l Lang) string {
	if s.Key == "" {
		return s.Text
	}
	cat := i18n.Builtin()
	args := make([]any, len(s.Args))
	for i, a := range s.Args {
		switch v := a.(type) {
		case Said:
			args[i] = v.In(l)
		case time.Time:
			args[i] = cat.DateTime(l, v)
		default:
			args[i] = a
		}
	}
	return cat.T(l, s.Key, args...)
}
