package listserv

// The parsers of the typed vocabulary from what people send: form
// values, API fields and CSV columns name a role or a mode as its JSON
// value ("moderator", "digest"). Parsing is exact: the forms and the
// API send these values as they are; callers that accept people's own
// spelling (the CSV import) lower-case first.

// ParseRole reads a list role; ok is false for anything else, "" included.
func ParseRole(s string) (ListRole, bool) { return parseChoice(s, roles) }

// ParseMode reads a delivery mode; ok is false for anything else, ""
// included.
func ParseMode(s string) (Mode, bool) { return parseChoice(s, modes) }

// parseChoice finds s among the allowed values of a vocabulary.
func parseChoice[T ~string](s string, allowed []T) (T, bool) {
	for _, a := range allowed {
		if string(a) == s {
			return a, true
		}
	}
	return "", false
}
