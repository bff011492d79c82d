package rewrite

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// replyMarkerRE matches one reply marker at the start of a subject: Re
// (English), AW/Antw (German, Dutch), SV (Scandinavian), VS (Finnish),
// optionally numbered as in "Re[2]:" or "Re(2):", with spaces tolerated
// before the colon ("RE :").
var replyMarkerRE = regexp.MustCompile(`^(?i:re|aw|sv|antw|vs)\s*(?:\[\d+\]|\(\d+\))?\s*:`)

// noSubject is what a tagged subject says when the post had none.
const noSubject = "(no subject)"

// PrefixSubject tags a decoded subject with the list prefix (e.g.
// "[team] ") exactly once, so that threads read "Re: [team] topic" however
// many times mail clients have added their own markers and tags:
//
//   - every occurrence of the tag (the prefix without surrounding
//     whitespace, compared ignoring ASCII case) is removed from the subject;
//   - a leading run of reply markers (Re, AW, SV, Antw, VS, in any case,
//     "Re[2]:" too) collapses into one "Re: " placed before the tag;
//   - forward markers (Fwd:, Fw:) stay after the tag: "[team] Fwd: x";
//   - an empty subject becomes "[team] (no subject)".
//
// Exactly one space separates the tag from the rest. With an empty prefix
// the subject is only trimmed. The result is stable: tagging it again
// changes nothing.
func PrefixSubject(subject, prefix string) string {
	s := strings.TrimSpace(subject)
	tag := strings.TrimSpace(prefix)
	if tag == "" {
		return s
	}
	s = removeTag(s, tag)
	reply := false
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		loc := replyMarkerRE.FindStringIndex(s)
		if loc == nil {
			break
		}
		reply = true
		s = s[loc[1]:]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		s = noSubject
	}
	out := tag + " " + s
	if reply {
		out = "Re: " + out
	}
	return out
}

// removeTag deletes every occurrence of tag (ASCII case ignored) together
// with the whitespace that follows it. Deletions that join two halves into
// a new occurrence are handled too: the output is built like a stack and
// checked for the tag after every byte, which keeps the work linear in the
// subject length (a hostile subject may repeat the tag thousands of times).
func removeTag(s, tag string) string {
	lt := asciiLower(tag)
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		out = append(out, s[i])
		i++
		if len(out) >= len(lt) && equalASCIIFold(out[len(out)-len(lt):], lt) {
			out = out[:len(out)-len(lt)]
			for i < len(s) {
				r, size := utf8.DecodeRuneInString(s[i:])
				if !unicode.IsSpace(r) {
					break
				}
				i += size
			}
		}
	}
	return string(out)
}

// asciiLower lowercases ASCII letters only, so byte offsets are preserved
// (strings.ToLower may change the length of some non-ASCII text).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// equalASCIIFold reports whether b equals the ASCII-lowercase string lower
// once b's ASCII letters are lowercased.
func equalASCIIFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
