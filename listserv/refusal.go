package listserv

import "errors"

// SaidError is an error whose words are a sentence of the catalogue: the
// domain says why it refused, and the door that shows it to a person
// writes it in their language (ErrorIn). Error is the English sentence,
// for the log, the CLI and the API.
type SaidError struct {
	Said Said
	// Kind is the sentinel the refusal is an instance of (ErrSeatsFull),
	// so errors.Is still tells it; nil for none.
	Kind error
	// English, when set, is Error's words instead of the sentence: a
	// refusal the command line words in its own terms ("--count must be
	// between 1 and 52"), which a page says as the catalogue's sentence.
	English string
}

func (r *SaidError) Error() string {
	if r.English != "" {
		return r.English
	}
	return r.Said.In(LangEnglish)
}
func (r *SaidError) Unwrap() error { return r.Kind }

// sayErr is the SaidError saying key with args.
func sayErr(key string, args ...any) error { return &SaidError{Said: say(key, args...)} }

// RefuseSaying is the SaidError whose Error is english (for the command line
// and the log) and whose words for a person are key with args, in their
// language.
func RefuseSaying(english, key string, args ...any) error {
	return &SaidError{Said: say(key, args...), English: english}
}

// ErrorIn is err's words for a person reading language l: a setting's,
// a profile's or another refusal's sentence in that language, anything
// else as err.Error() (still English: a failure, not a refusal).
func ErrorIn(err error, l Lang) string {
	var se *SettingError
	var pe *ProfileError
	var rf *SaidError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se):
		if se.Unknown {
			return se.Reason
		}
		return se.Key + ": " + se.ReasonIn(l)
	case errors.As(err, &pe):
		return pe.In(l)
	case errors.As(err, &rf):
		return rf.Said.In(l)
	}
	return err.Error()
}
